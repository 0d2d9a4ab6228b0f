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
