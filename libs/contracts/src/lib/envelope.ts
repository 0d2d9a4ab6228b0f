import { randomUUID } from 'node:crypto';
import { z } from 'zod';

/** CloudEvents 1.0 structured-mode JSON envelope, with Roster's tenant extension attribute. */
export const CloudEventEnvelope = z.object({
  specversion: z.literal('1.0'),
  id: z.string().min(1).max(200),
  source: z.string().min(1),
  type: z.string().regex(/^io\.roster\.[a-z0-9.-]+\.v\d+$/),
  time: z.string().datetime({ offset: true }),
  subject: z.string().optional(),
  datacontenttype: z.literal('application/json'),
  tenantid: z.string().min(1),
  /** Correlation: the run a message belongs to, when it belongs to one. */
  runid: z.string().optional(),
  data: z.unknown(),
});

export interface CloudEvent<T = unknown> {
  specversion: '1.0';
  id: string;
  source: string;
  type: string;
  time: string;
  subject?: string;
  datacontenttype: 'application/json';
  tenantid: string;
  runid?: string;
  data: T;
}

export interface EnvelopeInput<T> {
  type: string;
  source: string;
  tenantId: string;
  data: T;
  id?: string;
  subject?: string;
  runId?: string;
  time?: Date;
}

export function createEnvelope<T>(input: EnvelopeInput<T>): CloudEvent<T> {
  return {
    specversion: '1.0',
    id: input.id ?? randomUUID(),
    source: input.source,
    type: input.type,
    time: (input.time ?? new Date()).toISOString(),
    ...(input.subject === undefined ? {} : { subject: input.subject }),
    datacontenttype: 'application/json',
    tenantid: input.tenantId,
    ...(input.runId === undefined ? {} : { runid: input.runId }),
    data: input.data,
  };
}
