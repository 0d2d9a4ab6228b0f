import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { createTransport, Transporter } from 'nodemailer';
import { metrics } from '@roster/observability';
import { RefusedRecipient, refusedRecipients, smtpErrorCode, smtpFailureKind, smtpRefusal } from './smtp-failure';

/**
 * R-OPS-03: mails the SMTP server refused or that could not be sent, by nodemailer's error code and kind
 * (`permanent`: refused for good, dead-lettered at once; `transient`: retried).
 */
const smtpErrors = () =>
  metrics.counter({ name: 'roster_smtp_errors_total', help: 'Mails that failed to send, by error code and kind (permanent or transient)', labelNames: ['code', 'kind'] });

export const MAIL_SETTINGS = Symbol('MAIL_SETTINGS');
export interface MailSettings {
  smtpUrl: string;
  from: string;
}

/** A file attached to a mail; `content` is streamed (an export is never held whole in memory). */
export interface MailAttachment {
  filename: string;
  contentType: string;
  content: Readable;
}

/** What the server did with a mail it took: the recipients it refused (RCPT TO), the mail going to the others. */
export interface MailReceipt {
  refused: RefusedRecipient[];
}

/**
 * One pooled transporter per process; retries are the event redeliveries, bounded by the consumer. A mail the
 * server refuses for good (a 5xx reply to MAIL FROM, RCPT TO or DATA) throws a `MailException` (SMTP_REFUSED),
 * which the transport dead-letters without retrying; any other failure is thrown as nodemailer gave it.
 */
@Injectable()
export class Mailer implements OnApplicationShutdown {
  private readonly transporter: Transporter;

  constructor(private readonly settings: MailSettings) {
    const url = new URL(settings.smtpUrl);
    const secure = url.protocol === 'smtps:';
    this.transporter = createTransport({
      host: url.hostname,
      port: Number(url.port) || (secure ? 465 : 25),
      secure,
      auth: url.username ? { user: decodeURIComponent(url.username), pass: decodeURIComponent(url.password) } : undefined,
      pool: true,
      maxConnections: 2,
      connectionTimeout: 10_000,
      greetingTimeout: 10_000,
      socketTimeout: 30_000,
      // The sink and many internal relays speak plain SMTP; smtps:// URLs still use TLS.
      ignoreTLS: !secure,
    });
  }

  /** Resolves once the server took the mail, with the recipients it refused while taking it for the others. */
  async send(mail: { to: string[]; subject: string; text: string; attachments?: MailAttachment[] }): Promise<MailReceipt> {
    try {
      return { refused: refusedRecipients(await this.transporter.sendMail({ from: this.settings.from, ...mail })) };
    } catch (e) {
      const kind = smtpFailureKind(e);
      smtpErrors().inc({ code: smtpErrorCode(e), kind });
      throw kind === 'permanent' ? smtpRefusal(e) : e;
    }
  }

  onApplicationShutdown(): void {
    this.transporter.close();
  }
}
