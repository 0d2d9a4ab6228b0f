import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { createTransport, Transporter } from 'nodemailer';

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
    await this.transporter.sendMail({ from: this.settings.from, ...mail });
  }

  onApplicationShutdown(): void {
    this.transporter.close();
  }
}
