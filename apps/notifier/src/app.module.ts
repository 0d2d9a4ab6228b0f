import { Module } from '@nestjs/common';
import type { NotifierConfig } from './config';
import { ExportReadyHandler } from './mail/export-ready.handler';
import { DELIVERY_LIMIT, LoggedMailer } from './mail/logged-mailer';
import { Mailer } from './mail/mailer';
import { NotifyExportReadyUseCase } from './mail/notify-export-ready.usecase';
import { NotifyRunFinishedUseCase } from './mail/notify-run-finished.usecase';
import { RunFinishedHandler } from './mail/run-finished.handler';

@Module({})
export class NotifierModule {
  static register(config: NotifierConfig) {
    return {
      module: NotifierModule,
      controllers: [RunFinishedHandler, ExportReadyHandler],
      providers: [
        { provide: Mailer, useValue: new Mailer({ smtpUrl: config.ROSTER_SMTP_URL, from: config.ROSTER_MAIL_FROM }) },
        // The transport's limit (runService passes the same ROSTER_MAX_DELIVER): the log knows the last delivery.
        { provide: DELIVERY_LIMIT, useValue: config.ROSTER_MAX_DELIVER },
        LoggedMailer,
        NotifyRunFinishedUseCase,
        NotifyExportReadyUseCase,
      ],
    };
  }
}
