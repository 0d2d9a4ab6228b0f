import type { NodemailerError } from 'nodemailer';
import { MailException, MailExceptionCode } from './mail.exception';

/**
 * Whether sending the same mail again can succeed. `permanent`: the server refused this mail for good, so it is
 * dead-lettered on its first delivery; `transient`: retried with backoff until ROSTER_MAX_DELIVER, as any failure.
 */
export type SmtpFailureKind = 'permanent' | 'transient';

/** nodemailer's codes for a reply to the mail transaction (MAIL FROM, RCPT TO, DATA), not to the session. */
const TRANSACTION_CODES: ReadonlySet<string | undefined> = new Set(['EENVELOPE', 'EMESSAGE']);

/**
 * Permanent only when the server answered the mail transaction with a permanent reply: nodemailer's `permanent`
 * (RFC 5321: every 5xx but 503, bad sequence, which a new session can clear). 4xx replies, anything without a
 * reply (refused, reset, timed out, DNS, TLS) and 5xx replies to the session (greeting, EHLO, STARTTLS, AUTH: the
 * relay's or our settings, the same for every mail) stay transient, retried as before.
 */
export function smtpFailureKind(error: unknown): SmtpFailureKind {
  const e = error as NodemailerError | undefined;
  return e?.permanent === true && TRANSACTION_CODES.has(e.code) ? 'permanent' : 'transient';
}

/** nodemailer's code for the metric and logs (`ESOCKET`, `EMESSAGE`, …), `UNKNOWN` for an error without one. */
export function smtpErrorCode(error: unknown): string {
  return (error as NodemailerError | undefined)?.code ?? 'UNKNOWN';
}

/**
 * The permanent failure a refused mail is dead-lettered with: the server's reply as it said it, and the command
 * it answered, e.g. `SMTP 552 5.3.4 Message too big (refused at DATA)`.
 */
export function smtpRefusal(error: unknown): MailException {
  return new MailException(MailExceptionCode.SMTP_REFUSED, smtpReply(error), { cause: error });
}

/** A server's reply on one line, with the command it answered: `SMTP 550 5.1.1 … (refused at RCPT TO)`. */
function smtpReply(error: unknown): string {
  const e = error as NodemailerError;
  const reply = (e.response ?? `${e.responseCode ?? ''}`).replace(/\s*[\r\n]+\s*/g, ' ').trim();
  const at = e.command ? ` (refused at ${e.command})` : '';
  return `SMTP ${reply}${at}`;
}

/** A recipient the SMTP server refused (its reply to RCPT TO), as the notification log keeps it. */
export interface RefusedRecipient {
  address: string;
  /** e.g. `SMTP 550 5.1.1 <gone@acme.test>: mailbox unavailable (refused at RCPT TO)`. */
  reply: string;
}

/**
 * The recipients the server refused one by one (nodemailer's `rejected`, each with its reply from `rejectedErrors`):
 * from what a send resolved with (some refused, the mail sent to the others) or from the error it failed with
 * (every one refused; a `MailException` keeps nodemailer's error as its cause). Empty when the refusal was not per
 * recipient (MAIL FROM, DATA) or there was no reply at all.
 */
export function refusedRecipients(outcome: unknown): RefusedRecipient[] {
  const source = (outcome instanceof MailException ? outcome.cause : outcome) as Pick<NodemailerError, 'rejected' | 'rejectedErrors'> | null | undefined;
  const errors = source?.rejectedErrors ?? [];
  return (source?.rejected ?? []).map((address) => {
    const error = errors.find((e) => e.recipient === address);
    return { address, reply: error ? smtpReply(error) : 'SMTP refused (no reply kept)' };
  });
}
