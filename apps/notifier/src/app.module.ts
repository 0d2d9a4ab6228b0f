import { Module } from '@nestjs/common';
import type { NotifierConfig } from './config';
import { ExportReadyHandler } from './mail/export-ready.handler';
import { LoggedMailer } from './mail/logged-mailer';
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
        LoggedMailer,
        NotifyRunFinishedUseCase,
        NotifyExportReadyUseCase,
      ],
    };
  }
}
