import { PermanentError } from '@roster/messaging';

/** Why a mail will never be sent, however often it is tried: each is dead-lettered at once with this code (R-OPS-02). */
export enum MailExceptionCode {
  /**
   * The SMTP server refused the mail with a permanent reply (5xx, not 503) to MAIL FROM, RCPT TO or DATA: a
   * message too big, a mailbox that does not exist, a sender or content it will not take. The reason is the reply.
   */
  SMTP_REFUSED = 'SMTP_REFUSED',
}

/** A mail refused for good: permanent (dead-lettered without retries); `cause` is nodemailer's error. */
export class MailException extends PermanentError {
  constructor(code: MailExceptionCode, message: string, options?: { cause?: unknown }) {
    super(message, code);
    this.name = 'MailException';
    if (options?.cause !== undefined) this.cause = options.cause;
  }
}
