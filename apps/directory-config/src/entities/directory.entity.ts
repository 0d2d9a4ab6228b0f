import { EntitySchema } from '@mikro-orm/core';
import type { DirectoryType, HrisFieldMapping, SafeguardThreshold, SealedSecret, SyncPolicy } from '@roster/contracts';
import { DEFAULT_SAFEGUARD } from '../http/schemas';
import type { Schedule } from '../directories/schedule';

export interface SftpDirectorySettings {
  host: string;
  port: number;
  username: string;
  folder: string;
  hostKeyFingerprint: string;
  dateFormat: 'dd/mm/yyyy' | 'mm/dd/yyyy';
  headerMapping: Record<string, string>;
  /** R-SAFE-01; absent in directories saved before file directories had one (`sftpOf` gives the default). */
  safeguard?: SafeguardThreshold;
}

/** An hris-api directory's settings (the account token is in `secrets`). */
export interface HrisDirectorySettings {
  provider: string;
  baseUrl: string;
  pageSize: number;
  fieldMappings: HrisFieldMapping[];
  policy: SyncPolicy;
}

/** An event directory's settings (R-EVT-02): only the policy; employees arrive as events on ROSTER_INBOUND. */
export interface EventDirectorySettings {
  /** `orphans` is always `ignore`: a micro-batch of events is not a snapshot of the source. */
  policy: SyncPolicy;
}

/** The JSON `settings` column: its shape follows the directory's type (see `sftpOf` / `hrisOf` / `eventOf`). */
export type DirectorySettings = SftpDirectorySettings | HrisDirectorySettings | EventDirectorySettings;

export interface DirectorySecrets {
  password?: SealedSecret;
  privateKey?: SealedSecret;
  accountToken?: SealedSecret;
}

export interface Directory {
  id: string;
  tenantId: string;
  name: string;
  type: DirectoryType;
  settings: DirectorySettings;
  /** Sealed with the secrets key (AES-256-GCM, bound to tenant + directory). Never returned by the API. */
  secrets: DirectorySecrets;
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

/** The settings of an sftp-csv directory (the column's shape follows `type`). */
export function sftpOf(d: Pick<Directory, 'id' | 'type' | 'settings'>): SftpDirectorySettings & { safeguard: SafeguardThreshold } {
  if (d.type !== 'sftp-csv') throw new Error(`directory ${d.id} is ${d.type}, not sftp-csv`);
  const settings = d.settings as SftpDirectorySettings;
  return { ...settings, safeguard: settings.safeguard ?? DEFAULT_SAFEGUARD };
}

/** The settings of an hris-api directory. */
export function hrisOf(d: Pick<Directory, 'id' | 'type' | 'settings'>): HrisDirectorySettings {
  if (d.type !== 'hris-api') throw new Error(`directory ${d.id} is ${d.type}, not hris-api`);
  return d.settings as HrisDirectorySettings;
}

/** The settings of an event directory (R-EVT-02). */
export function eventOf(d: Pick<Directory, 'id' | 'type' | 'settings'>): EventDirectorySettings {
  if (d.type !== 'event') throw new Error(`directory ${d.id} is ${d.type}, not event`);
  return d.settings as EventDirectorySettings;
}
