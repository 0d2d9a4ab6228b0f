import 'reflect-metadata';
import { filterOf } from '@roster/contracts';
import { exitOnConfigError, loadConfig } from '@roster/observability';
import { RunHistoryModule, runRetentionSettings, runService } from '@roster/platform';
import { NotifierModule } from './app.module';
import { NotifierConfig } from './config';
import { databaseOptions } from './database';
import { PruneNotificationsUseCase } from './mail/prune-notifications.usecase';

async function main(): Promise<void> {
  const config = exitOnConfigError(() => loadConfig(NotifierConfig));
  await runService({
    service: 'notifier',
    config,
    database: databaseOptions(config.ROSTER_DATABASE_URL),
    imports: [NotifierModule.register(config), RunHistoryModule.register(PruneNotificationsUseCase, runRetentionSettings(config))],
    consumers: [
      { name: 'run-finished', stream: 'ROSTER_RUNS', filterSubject: filterOf('run.finished') },
      // R-SAFE-01: every run.progress; only awaiting-approval mails.
      { name: 'run-progress', stream: 'ROSTER_RUNS', filterSubject: filterOf('run.progress') },
      { name: 'export-ready', stream: 'ROSTER_EXPORTS', filterSubject: filterOf('export.ready') },
    ],
  });
}

void main();
