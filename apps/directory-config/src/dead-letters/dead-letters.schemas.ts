import { z } from 'zod';

/** One subject token: what a service or consumer name is (no dots, no wildcards). */
const token = z.string().regex(/^[A-Za-z0-9_-]+$/, { error: 'expected one subject token (letters, digits, - and _)' });

const FilterFields = {
  /** The service whose consumer gave up (e.g. `reconciler`). */
  service: token.optional(),
  /** The durable consumer (e.g. `reconciler-records`). */
  consumer: token.optional(),
  /** The original subject; NATS wildcards `*` and a final `>` allowed. */
  subject: z
    .string()
    .regex(/^([A-Za-z0-9_-]+|\*)(\.([A-Za-z0-9_-]+|\*))*(\.>)?$|^>$/, { error: 'expected a NATS subject (wildcards * and a final > allowed)' })
    .optional(),
  /** The reason code, e.g. `BAD_PAYLOAD`, `MAX_DELIVERIES`. */
  code: z.string().regex(/^[A-Z0-9_]+$/, { error: 'expected a code like BAD_PAYLOAD' }).optional(),
};

export const DeadLetterSequenceParam = z.coerce.number().int().positive();

/** GET /v1/tenants/{tenantId}/dead-letters */
export const TenantDeadLettersQuery = z
  .object({
    ...FilterFields,
    /** Paging by ROSTER_DLQ sequence: the previous page's `nextAfterSequence`. */
    afterSequence: z.coerce.number().int().min(0).default(0),
    limit: z.coerce.number().int().min(1).max(500).default(50),
  })
  .strict();
export type TenantDeadLettersQuery = z.infer<typeof TenantDeadLettersQuery>;

/** GET /v1/dead-letters (operators: every tenant, and dead letters whose tenant is unknown). */
export const DeadLettersQuery = TenantDeadLettersQuery.extend({ tenantId: z.string().uuid().optional() }).strict();
export type DeadLettersQuery = z.infer<typeof DeadLettersQuery>;

export const TenantRedriveAllBody = z
  .object({
    ...FilterFields,
    limit: z.number().int().min(1).max(1000).default(100),
    afterSequence: z
      .number()
      .int()
      .min(0)
      .default(0)
      .describe('Start after this ROSTER_DLQ sequence: the previous answer\'s nextAfterSequence (dead letters that could not be redriven stay behind it)'),
    untilSequence: z
      .number()
      .int()
      .min(0)
      .optional()
      .describe(
        "Redrive no dead letter after this ROSTER_DLQ sequence: the first answer's untilSequence, so a loop ends with the dead letters there were when it started (a redriven message that fails again comes back after it). Default: ROSTER_DLQ's last sequence now",
      ),
  })
  .strict();
export type TenantRedriveAllBody = z.infer<typeof TenantRedriveAllBody>;
export const RedriveAllBody = TenantRedriveAllBody.extend({ tenantId: z.string().uuid().optional() }).strict();
export type RedriveAllBody = z.infer<typeof RedriveAllBody>;

export const DiscardBody = z.object({ reason: z.string().trim().min(3).max(500) }).strict();

const Original = z.object({
  subject: z.string(),
  stream: z.string(),
  sequence: z.number().int(),
  /** The original Nats-Msg-Id (the event id). */
  msgId: z.string().nullable(),
});

export const DeadLetterSummaryView = z.object({
  /** ROSTER_DLQ sequence: the dead letter's id. */
  sequence: z.number().int(),
  service: z.string(),
  consumer: z.string(),
  code: z.string(),
  reason: z.string(),
  deliveries: z.number().int(),
  failedAt: z.string().nullable(),
  deadLetteredAt: z.string(),
  original: Original,
  tenantId: z.string().nullable(),
  eventId: z.string().nullable(),
  eventType: z.string().nullable(),
  size: z.number().int(),
});

export const DeadLetterView = DeadLetterSummaryView.extend({
  dlqSubject: z.string(),
  /** The original message's headers (the server's Nats-* ones excepted). */
  headers: z.record(z.string(), z.array(z.string())),
  /** The payload as it was: parsed JSON, or text when it is not JSON, or base64 when it is not UTF-8. */
  payload: z.discriminatedUnion('encoding', [
    z.object({ encoding: z.literal('json'), json: z.unknown() }),
    z.object({ encoding: z.literal('text'), text: z.string() }),
    z.object({ encoding: z.literal('base64'), base64: z.string() }),
  ]),
});

export const DeadLetterPageView = z.object({
  items: z.array(DeadLetterSummaryView),
  /** Pass as `afterSequence` for the next page; null at the end. */
  nextAfterSequence: z.number().int().nullable(),
  scanned: z.number().int(),
});

export const RedriveView = z.object({
  sequence: z.number().int(),
  consumer: z.string(),
  /** `duplicate`: this original message was redriven already inside the duplicate window; nothing new was stored. */
  outcome: z.enum(['redriven', 'duplicate']),
  republished: z.object({ subject: z.string(), stream: z.string(), sequence: z.number().int() }),
});
export type RedriveView = z.infer<typeof RedriveView>;

export const RedriveAllView = z.object({
  redriven: z.array(RedriveView),
  failed: z.array(z.object({ sequence: z.number().int(), code: z.string(), message: z.string() })),
  /** More dead letters up to untilSequence may match: call again with nextAfterSequence and untilSequence. */
  more: z.boolean(),
  nextAfterSequence: z.number().int().nullable().describe('Pass as afterSequence for the next call; null when nothing up to untilSequence is left to look at'),
  untilSequence: z.number().int().describe('The last ROSTER_DLQ sequence this call could redrive: pass it on every next call of the same loop'),
});
export type RedriveAllView = z.infer<typeof RedriveAllView>;

export const DiscardView = z.object({
  sequence: z.number().int(),
  consumer: z.string(),
  code: z.string(),
  originalSubject: z.string(),
  reason: z.string(),
  discarded: z.literal(true),
});
export type DiscardView = z.infer<typeof DiscardView>;
