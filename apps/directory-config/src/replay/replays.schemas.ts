import { z } from 'zod';
import { REPLAY_STREAMS } from './replay-consumer';

const instant = z.string().datetime({ offset: true });
const replayNameField = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, { error: 'expected 1..64 letters, digits, - and _' });

/** POST /v1/replays and /v1/tenants/{tenantId}/replays (R-OPS-01). */
export const CreateReplayBody = z
  .object({
    /** The stream whose retained messages are re-delivered. */
    stream: z.enum(REPLAY_STREAMS),
    /** The consumer's name (`replay-` is prefixed when missing); required for a durable consumer. */
    name: replayNameField.optional(),
    /** A durable consumer (stays until deleted) or an ephemeral one (deleted by the server after `inactiveSeconds` unused). */
    durable: z.boolean().default(true),
    /** NATS subject filter within the stream (wildcards `*`, final `>`); a tenant's replay is pinned to the tenant. */
    filterSubject: z.string().max(300).optional(),
    /** Start at the first message stored at or after this time … */
    startTime: instant.optional(),
    /** … or at this stream sequence; neither: from the first retained message. */
    startSequence: z.number().int().positive().optional(),
    /** End: resolved to the last stream sequence stored at or before this time (not in the future) … */
    endTime: instant.optional(),
    /** … or this stream sequence; returned as `endSequence` so a consumer stops there. */
    endSequence: z.number().int().positive().optional(),
    /** Ephemeral consumers only: seconds without a client before the server deletes it (10..86400, default 300). */
    inactiveSeconds: z.number().int().min(10).max(86_400).default(300),
  })
  .strict()
  .refine((b) => !(b.startTime && b.startSequence), { error: 'give startTime or startSequence, not both', path: ['startSequence'] })
  .refine((b) => !(b.endTime && b.endSequence), { error: 'give endTime or endSequence, not both', path: ['endSequence'] })
  .refine((b) => !b.durable || b.name !== undefined, { error: 'a durable replay consumer needs a name', path: ['name'] });
export type CreateReplayBody = z.infer<typeof CreateReplayBody>;

export const ListReplaysQuery = z.object({ stream: z.enum(REPLAY_STREAMS).optional() }).strict();

export const ReplayParams = z.object({ stream: z.enum(REPLAY_STREAMS), name: replayNameField });

export const ReplayView = z.object({
  name: z.string(),
  stream: z.enum(REPLAY_STREAMS),
  durable: z.boolean(),
  filterSubject: z.string().nullable(),
  /** The tenant a tenant-scoped replay is pinned to (null: an operator's replay). */
  tenantId: z.string().nullable(),
  startTime: z.string().nullable(),
  startSequence: z.number().int().nullable(),
  endTime: z.string().nullable(),
  /** The last stream sequence to take (asked, or resolved from endTime); a consumer stops after it. */
  endSequence: z.number().int().nullable(),
  createdAt: z.string(),
  pending: z
    .number()
    .int()
    .describe(
      'Messages on the filter within the range (from the start up to endSequence) not yet delivered: what the consumer will still deliver before its end; 0 when the range is empty (e.g. an endTime before any message) or passed. Counted from the stream when answered; exact unless messages past the end keep arriving while it is counted, then an upper bound',
    ),
  ackPending: z.number().int(),
  redelivered: z.number().int(),
  deliveredSequence: z.number().int(),
  ackFloorSequence: z.number().int(),
  inactiveSeconds: z.number().int().nullable(),
  /** On create: false when the consumer existed with the same parameters (nothing changed). */
  created: z.boolean().optional(),
});
