import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { createTransport, Transporter } from 'nodemailer';
import { metrics } from '@roster/observability';

/** R-OPS-03: mails the SMTP server refused or that could not be sent, by nodemailer's error code. */
const smtpErrors = () => metrics.counter({ name: 'roster_smtp_errors_total', help: 'Mails that failed to send, by error code', labelNames: ['code'] });

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

/** One pooled transporter per process; retries are the event redeliveries, bounded by the consumer. */
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

  async send(mail: { to: string[]; subject: string; text: string; attachments?: MailAttachment[] }): Promise<void> {
    try {
      await this.transporter.sendMail({ from: this.settings.from, ...mail });
    } catch (e) {
      smtpErrors().inc({ code: (e as { code?: string }).code ?? 'UNKNOWN' });
      throw e;
    }
  }

  onApplicationShutdown(): void {
    this.transporter.close();
  }
}
