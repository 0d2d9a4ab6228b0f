import { Module } from '@nestjs/common';
import { MasterKeyRing, SecretBox } from '@roster/security';
import type { FileIngestConfig } from './config';
import { CONNECTION_PROVIDERS } from './connection';
import { SyncRequestedHandler } from './sync/sync-requested.handler';
import { FILE_INGEST_SETTINGS, SyncSftpUseCase } from './sync/sync-sftp.usecase';

@Module({})
export class FileIngestModule {
  static register(config: FileIngestConfig) {
    return {
      module: FileIngestModule,
      controllers: [SyncRequestedHandler],
      providers: [
        { provide: FILE_INGEST_SETTINGS, useValue: { secrets: new SecretBox(new MasterKeyRing(config.ROSTER_SECRETS_KEY, config.ROSTER_SECRETS_PREVIOUS_KEYS)), batchSize: config.ROSTER_BATCH_SIZE, maxFileBytes: config.ROSTER_MAX_FILE_BYTES } },
        SyncSftpUseCase,
        ...CONNECTION_PROVIDERS,
      ],
    };
  }
}
