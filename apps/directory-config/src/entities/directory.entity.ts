import { EntitySchema } from '@mikro-orm/core';
import type { DirectoryType, SealedSecret } from '@roster/contracts';
import type { Schedule } from '../directories/schedule';

export interface SftpDirectorySettings {
  host: string;
  port: number;
  username: string;
  folder: string;
  hostKeyFingerprint: string;
  dateFormat: 'dd/mm/yyyy' | 'mm/dd/yyyy';
  headerMapping: Record<string, string>;
}

export interface Directory {
  id: string;
  tenantId: string;
  name: string;
  type: DirectoryType;
  settings: SftpDirectorySettings;
  /** Sealed with the secrets key (AES-256-GCM, bound to tenant + directory). Never returned by the API. */
  secrets: { password?: SealedSecret; privateKey?: SealedSecret };
  recipients: string[];
  /** R-DIR-04: when the directory syncs by itself. */
  schedule: Schedule;
  enabled: boolean;
  /** When the scheduler next starts a run (R-DIR-04); null when the schedule or the directory is disabled. */
  nextRunAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export const DirectoryEntity = new EntitySchema<Directory>({
  name: 'Directory',
  tableName: 'directories',
  // next_run_at: each scheduler tick claims the due directories in its order.
  indexes: [{ properties: ['tenantId'] }, { properties: ['nextRunAt'] }],
  properties: {
    id: { type: 'uuid', primary: true },
    tenantId: { type: 'uuid' },
    name: { type: 'text' },
    type: { type: 'text' },
    settings: { type: 'json' },
    secrets: { type: 'json' },
    recipients: { type: 'json' },
    schedule: { type: 'json', defaultRaw: `'{"kind":"daily","time":"02:00","timeZone":"UTC"}'` },
    enabled: { type: 'boolean', default: true },
    nextRunAt: { type: 'datetime', nullable: true },
    createdAt: { type: 'datetime', defaultRaw: 'now()' },
    updatedAt: { type: 'datetime', defaultRaw: 'now()' },
  },
});
