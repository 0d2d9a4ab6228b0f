import { EntitySchema } from '@mikro-orm/core';

/**
 * R-API-02 incremental runs: per hris-api directory, when its last complete fetch started (the next incremental
 * fetch asks for records modified after it) and when its last complete *full* fetch started.
 */
export interface FetchWatermark {
  directoryId: string;
  tenantId: string;
  fetchedFrom: Date;
  lastFullAt: Date | null;
  updatedAt: Date;
}

export const FetchWatermarkEntity = new EntitySchema<FetchWatermark>({
  name: 'FetchWatermark',
  tableName: 'fetch_watermarks',
  properties: {
    directoryId: { type: 'uuid', primary: true },
    tenantId: { type: 'uuid' },
    fetchedFrom: { type: 'datetime' },
    lastFullAt: { type: 'datetime', nullable: true },
    updatedAt: { type: 'datetime', defaultRaw: 'now()' },
  },
});

/**
 * The fetch plan of one run, decided at its first delivery and reused on every redelivery (the batches' ids are
 * the run's, so a second plan would mix two fetches), and `complete` once its whole fetch is on the bus. The
 * watermark moves only when the run is applied (`run.finished` succeeded or partially-succeeded).
 */
export interface FetchRun {
  runId: string;
  directoryId: string;
  tenantId: string;
  mode: 'full' | 'incremental';
  modifiedAfter: Date | null;
  startedAt: Date;
  complete: boolean;
}

export const FetchRunEntity = new EntitySchema<FetchRun>({
  name: 'FetchRun',
  tableName: 'fetch_runs',
  properties: {
    runId: { type: 'uuid', primary: true },
    directoryId: { type: 'uuid' },
    tenantId: { type: 'uuid' },
    mode: { type: 'text' },
    modifiedAfter: { type: 'datetime', nullable: true },
    startedAt: { type: 'datetime' },
    complete: { type: 'boolean', default: false },
  },
});
