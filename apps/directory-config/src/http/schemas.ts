import { z } from 'zod';
import {
  CSV_STANDARD_LABELS,
  HRIS_SOURCE_FIELDS,
  HrisFieldMapping,
  PendingRemovals,
  RequestedFetch,
  HeldRemoval,
  RowProblem,
  RunCounts,
  RunFailure,
  RunStatus,
  RunTrigger,
  SyncPolicy,
  isCsvStandardLabel,
} from '@roster/contracts';
import { DEFAULT_SCHEDULE, Schedule } from '../directories/schedule';

export { DEFAULT_SCHEDULE, Schedule };

export const CreateTenantBody = z.object({
  name: z.string().trim().min(1).max(200),
  ownerEmail: z.string().trim().toLowerCase().email().optional(),
});
export type CreateTenantBody = z.infer<typeof CreateTenantBody>;

export const TenantView = z.object({
  id: z.string().uuid(),
  name: z.string(),
  ownerEmail: z.string().nullable(),
  createdAt: z.string(),
});

const fingerprint = z
  .string()
  .regex(/^SHA256:[A-Za-z0-9+/]{43}$/, 'expected an OpenSSH SHA-256 fingerprint like SHA256:<43 base64 characters>');

const password = z.string().min(1).max(1000);
/** R-SFTP-01: a private key (OpenSSH or PEM, unencrypted) instead of, or besides, a password. */
const privateKey = z
  .string()
  .max(16_000)
  .regex(/^-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]+-----END [A-Z0-9 ]*PRIVATE KEY-----\s*$/, 'expected a PEM or OpenSSH private key');
const host = z.string().trim().min(1).max(253);
const port = z.number().int().min(1).max(65535);
const username = z.string().min(1).max(200);
const folder = z.string().regex(/^\/[^\0]*$/, 'expected an absolute folder path').max(1000);
const email = z.string().trim().toLowerCase().email();

const hasCredential = (s: { password?: string | null; privateKey?: string | null }) => Boolean(s.password || s.privateKey);
const CREDENTIAL_REQUIRED = { message: 'a password or a privateKey is required', path: ['password'] };

/** R-CSV-01: customer label -> standard label; every target is a standard label, and used once. */
export const HeaderMapping = z.record(z.string().trim().min(1).max(200), z.string()).superRefine((mapping, ctx) => {
  const seen = new Map<string, string>();
  for (const [from, to] of Object.entries(mapping)) {
    if (!isCsvStandardLabel(to)) {
      ctx.addIssue({
        code: 'custom',
        path: [from],
        message: `'${to}' is not a standard label; expected one of: ${CSV_STANDARD_LABELS.join(', ')}`,
      });
    } else if (seen.has(to)) {
      ctx.addIssue({ code: 'custom', path: [from], message: `'${seen.get(to)}' and '${from}' both map to '${to}'` });
    }
    seen.set(to, from);
  }
});

const SftpSettingsBody = z.object({
  host,
  port: port.default(22),
  username,
  password: password.optional(),
  privateKey: privateKey.optional(),
  folder,
  /** R-SFTP-01: the server's host key is pinned; "test connection" shows it. */
  hostKeyFingerprint: fingerprint,
});

const safeguardFields = {
  /** R-SAFE-01: more deactivations + deletions than this in one run wait for approval. */
  count: z.number().int().min(0).max(1_000_000),
  /** R-SAFE-01: … or more than this percentage of the directory's users. */
  percent: z.number().min(0).max(100),
};
export const DEFAULT_SAFEGUARD = { count: 50, percent: 20 };
/** R-SAFE-01: an API directory's `policy.safeguard`, an sftp-csv directory's `safeguard` (event runs are never held). */
const SafeguardBody = z
  .object({ count: safeguardFields.count.default(DEFAULT_SAFEGUARD.count), percent: safeguardFields.percent.default(DEFAULT_SAFEGUARD.percent) })
  .default(DEFAULT_SAFEGUARD);

export const CreateSftpDirectoryBody = z.object({
  name: z.string().trim().min(1).max(200),
  type: z.literal('sftp-csv'),
  sftp: SftpSettingsBody.refine(hasCredential, CREDENTIAL_REQUIRED),
  dateFormat: z.enum(['dd/mm/yyyy', 'mm/dd/yyyy']).default('dd/mm/yyyy'),
  headerMapping: HeaderMapping.default({}),
  /** R-SAFE-01: a run whose past `Deactivation Date`s would deactivate more than this waits for approval. */
  safeguard: SafeguardBody,
  /** R-NOT-02: users of the tenant only (a new tenant has none yet: add recipients once users exist). */
  recipients: z.array(email).max(50).default([]),
  schedule: Schedule.default(DEFAULT_SCHEDULE),
  enabled: z.boolean().default(true),
});
export type CreateSftpDirectoryBody = z.infer<typeof CreateSftpDirectoryBody>;

/** The connectors connector-gateway has (R-API-01); `merge` is the unified HRIS bridge. */
export const HrisProvider = z.enum(['merge']);
const PAGE_SIZE_MESSAGE = "page size must be 1..100 (the bridge's maximum is 100)";
/** R-API-02: refused at config time, not at the first run. */
const pageSize = z.number({ error: PAGE_SIZE_MESSAGE }).int(PAGE_SIZE_MESSAGE).min(1, PAGE_SIZE_MESSAGE).max(100, PAGE_SIZE_MESSAGE);
/** The form only; the address (SSRF guard, `checkOutboundUrl`) is checked by the use case, which knows the loopback switch. */
const baseUrl = z.string().trim().url('expected an absolute URL such as https://api.merge.dev/api').max(2000);
const accountToken = z.string().min(1).max(1000);

/** R-API-03: the switched-on optional mappings; each source field at most once. */
export const HrisFieldMappings = z
  .array(HrisFieldMapping)
  .max(HRIS_SOURCE_FIELDS.length)
  .superRefine((mappings, ctx) => {
    const seen = new Set<string>();
    mappings.forEach(({ source }, i) => {
      if (seen.has(source)) ctx.addIssue({ code: 'custom', path: [i, 'source'], message: `'${source}' is mapped twice; map each source field once` });
      seen.add(source);
    });
  });


// The field types come from the contract the reconciler reads, so the two cannot drift; defaults are set here.
const policyFields = SyncPolicy.shape;

/** An API directory's policy (R-API-04..09, R-SAFE-01); every field has a default, the safe one where it matters. */
export const HrisPolicyBody = z.object({
  usernameAttribute: policyFields.usernameAttribute.default('workEmail'),
  activateUsers: policyFields.activateUsers.default(true),
  /** Nobody is deactivated or deleted until an admin chooses to. */
  orphans: policyFields.orphans.default('ignore'),
  restore: policyFields.restore.default(false),
  synchronizeGroups: policyFields.synchronizeGroups.default(false),
  preserveGroups: policyFields.preserveGroups.default(true),
  removeLocalGroups: policyFields.removeLocalGroups.default(false),
  removeOtherDirectoryGroups: policyFields.removeOtherDirectoryGroups.default(false),
  safeguard: SafeguardBody,
});
export type HrisPolicyBody = z.infer<typeof HrisPolicyBody>;

const HrisSettingsBody = z.object({
  provider: HrisProvider.default('merge'),
  /** The bridge's API base URL including `/api`; https to a public address. */
  baseUrl,
  /** R-API-01: the linked HR account's token; sealed at rest, never returned (`hasAccountToken`). */
  accountToken,
  pageSize: pageSize.default(100),
  fieldMappings: HrisFieldMappings.default([]),
});

export const CreateHrisDirectoryBody = z.object({
  name: z.string().trim().min(1).max(200),
  type: z.literal('hris-api'),
  hris: HrisSettingsBody,
  policy: HrisPolicyBody.default(HrisPolicyBody.parse({})),
  /** R-NOT-02: users of the tenant only. */
  recipients: z.array(email).max(50).default([]),
  schedule: Schedule.default(DEFAULT_SCHEDULE),
  enabled: z.boolean().default(true),
});
export type CreateHrisDirectoryBody = z.infer<typeof CreateHrisDirectoryBody>;

/**
 * R-EVT-02: an event directory's policy — the API policy without `orphans`, which is always `ignore` (a micro-batch
 * of events is not a snapshot: nobody absent from it is an orphan).
 */
export const EventPolicyBody = HrisPolicyBody.extend({
  orphans: z.literal('ignore', { error: 'an event directory never orphans anybody: orphans is always ignore' }).default('ignore'),
});
export type EventPolicyBody = z.infer<typeof EventPolicyBody>;

/**
 * R-DIR-02 `event`: internal services publish employee upserts and terminations on ROSTER_INBOUND (R-EVT-02); no
 * source settings and no schedule (every micro-batch of events is a run of its own, trigger `event`).
 */
export const CreateEventDirectoryBody = z.object({
  name: z.string().trim().min(1).max(200),
  type: z.literal('event'),
  policy: EventPolicyBody.default(EventPolicyBody.parse({})),
  /** R-NOT-02: users of the tenant only. Event runs mail nobody (one mail per micro-batch would flood them). */
  recipients: z.array(email).max(50).default([]),
  enabled: z.boolean().default(true),
});
export type CreateEventDirectoryBody = z.infer<typeof CreateEventDirectoryBody>;

/** POST …/directories: one body per directory type. */
export const CreateDirectoryBody = z.discriminatedUnion('type', [CreateSftpDirectoryBody, CreateHrisDirectoryBody, CreateEventDirectoryBody]);
export type CreateDirectoryBody = z.infer<typeof CreateDirectoryBody>;

/**
 * PATCH: only the given fields change. A new password or private key replaces the sealed one, an omitted
 * one is kept, `null` removes it (one of the two must remain). `sftp`, `dateFormat` and `headerMapping` apply to
 * sftp-csv directories (and `safeguard`, R-SAFE-01), `hris` and `policy` to hris-api ones (a new `accountToken` replaces the sealed one), `policy`
 * to event ones (whose `orphans` stays `ignore` and which have no schedule).
 */
export const UpdateDirectoryBody = z
  .object({
    name: z.string().trim().min(1).max(200),
    enabled: z.boolean(),
    sftp: z
      .object({
        host,
        port,
        username,
        password: password.nullable(),
        privateKey: privateKey.nullable(),
        folder,
        hostKeyFingerprint: fingerprint,
      })
      .partial()
      .strict(),
    dateFormat: z.enum(['dd/mm/yyyy', 'mm/dd/yyyy']),
    headerMapping: HeaderMapping,
    /** sftp-csv (R-SAFE-01); API and event directories set theirs in `policy.safeguard`. */
    safeguard: z.object(safeguardFields).partial().strict(),
    hris: z.object({ provider: HrisProvider, baseUrl, accountToken, pageSize, fieldMappings: HrisFieldMappings }).partial().strict(),
    policy: z
      .object({ ...policyFields, safeguard: z.object(safeguardFields).partial().strict() })
      .partial()
      .strict(),
    recipients: z.array(email).max(50),
    schedule: Schedule,
  })
  .partial()
  .strict();
export type UpdateDirectoryBody = z.infer<typeof UpdateDirectoryBody>;

/**
 * Settings not saved yet, by type (`sftp-csv` when absent); without a fingerprint the SFTP test reports the
 * server's key so it can be pinned.
 */
export const TestConnectionBody = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('sftp-csv').optional(),
    sftp: SftpSettingsBody.extend({ hostKeyFingerprint: fingerprint.optional() }).refine(hasCredential, CREDENTIAL_REQUIRED),
  }),
  z.object({
    type: z.literal('hris-api'),
    hris: z.object({ provider: HrisProvider.default('merge'), baseUrl, accountToken }),
  }),
]);
export type TestConnectionBody = z.infer<typeof TestConnectionBody>;

const SftpTestConnectionView = z.object({
  ok: z.boolean(),
  /** The key the server presented (null when it could not be reached): pin it in `sftp.hostKeyFingerprint`. */
  hostKeyFingerprint: z.string().nullable(),
  code: z.enum(['HOST_KEY_MISMATCH', 'AUTH_FAILED', 'UNREACHABLE', 'FOLDER_MISSING']).or(z.string()).optional(),
  message: z.string().optional(),
});
/** R-API-01: ok, or the precise reason. */
const HrisTestConnectionView = z.object({
  ok: z.boolean(),
  code: z.enum(['BAD_API_KEY', 'BAD_ACCOUNT_TOKEN', 'UNREACHABLE', 'RATE_LIMITED', 'BAD_BASE_URL', 'NOT_CONFIGURED']).or(z.string()).optional(),
  message: z.string().optional(),
  /** The HR system behind the linked account, when reached. */
  integration: z.string().optional(),
});
export const TestConnectionView = z.union([SftpTestConnectionView, HrisTestConnectionView]);

const directoryViewFields = {
  id: z.string().uuid(),
  tenantId: z.string().uuid(),
  name: z.string(),
  enabled: z.boolean(),
  recipients: z.array(z.string()),
  schedule: Schedule,
  /** When the scheduler next starts a run (ISO 8601); null when the schedule or the directory is disabled. */
  nextRunAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
};

const SftpDirectoryView = z.object({
  ...directoryViewFields,
  type: z.literal('sftp-csv'),
  sftp: z.object({
    host: z.string(),
    port: z.number(),
    username: z.string(),
    folder: z.string(),
    hostKeyFingerprint: z.string(),
    /** Secrets are write-only: the API says whether one is set, never what it is. */
    hasPassword: z.boolean(),
    hasPrivateKey: z.boolean(),
  }),
  dateFormat: z.string(),
  headerMapping: z.record(z.string(), z.string()),
  /** R-SAFE-01: the threshold over which a run's deactivations wait for approval. */
  safeguard: z.object({ count: z.number().int(), percent: z.number() }),
});

const HrisDirectoryView = z.object({
  ...directoryViewFields,
  type: z.literal('hris-api'),
  hris: z.object({
    provider: z.string(),
    baseUrl: z.string(),
    pageSize: z.number().int(),
    fieldMappings: z.array(HrisFieldMapping),
    /** The account token is write-only. */
    hasAccountToken: z.boolean(),
  }),
  policy: HrisPolicyBody,
});

const EventDirectoryView = z.object({
  ...directoryViewFields,
  type: z.literal('event'),
  policy: EventPolicyBody,
  /** R-EVT-02: where services publish this tenant's employee events (the directory id goes in the payload). */
  inbound: z.object({ upserted: z.string(), terminated: z.string() }),
});

export const DirectoryView = z.discriminatedUnion('type', [SftpDirectoryView, HrisDirectoryView, EventDirectoryView]);

export const StartRunBody = z
  .object({
    trigger: z.enum(['manual']).default('manual'),
    fetch: RequestedFetch.optional().describe(
      'hris-api (R-API-02): full (default for a manual run: every employee, then orphans and groups), incremental (only employees modified since the last complete fetch; nobody is an orphan of it) or auto (incremental after a recent full fetch, else full; what scheduled runs do)',
    ),
  })
  .default({ trigger: 'manual' });

export const RunView = z.object({
  id: z.string().uuid(),
  tenantId: z.string().uuid(),
  directoryId: z.string().uuid(),
  trigger: RunTrigger,
  status: RunStatus,
  counts: RunCounts.nullable(),
  problems: z.array(RowProblem),
  problemCount: z.number().int(),
  failure: RunFailure.nullable(),
  fileName: z.string().nullable(),
  /** R-SAFE-01: who a run held in awaiting-approval would deactivate or delete (kept after the decision). */
  pendingRemovals: PendingRemovals.nullable(),
  /** R-SAFE-01: the admin's decision on a held run, once taken. */
  decision: z.enum(['approve', 'reject']).nullable(),
  /** R-OPS-01: the run this one re-runs (trigger replay), from its retained source records. */
  rerunOf: z.string().uuid().nullable(),
  createdAt: z.string(),
  startedAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
});

export const ListRunsQuery = z.object({
  status: RunStatus.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export type ListRunsQuery = z.infer<typeof ListRunsQuery>;

export const ProblemsQuery = z.object({
  offset: z.coerce.number().int().min(0).default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export type ProblemsQuery = z.infer<typeof ProblemsQuery>;

export const ProblemsPageView = z.object({
  runId: z.string().uuid(),
  /** Every problem of the run; page with offset and limit. */
  total: z.number().int(),
  offset: z.number().int(),
  limit: z.number().int(),
  problems: z.array(RowProblem),
});

export const HeldRemovalsPageView = z.object({
  runId: z.string().uuid(),
  /** Every user the held run would deactivate or delete; page with offset and limit (ordered by email). */
  total: z.number().int(),
  offset: z.number().int(),
  limit: z.number().int(),
  users: z.array(HeldRemoval),
});

export const ErrorView = z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() });
