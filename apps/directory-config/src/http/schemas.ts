import { z } from 'zod';
import { CSV_STANDARD_LABELS, RowProblem, RunCounts, RunFailure, RunStatus, RunTrigger, isCsvStandardLabel } from '@roster/contracts';
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

export const CreateSftpDirectoryBody = z.object({
  name: z.string().trim().min(1).max(200),
  type: z.literal('sftp-csv'),
  sftp: SftpSettingsBody.refine(hasCredential, CREDENTIAL_REQUIRED),
  dateFormat: z.enum(['dd/mm/yyyy', 'mm/dd/yyyy']).default('dd/mm/yyyy'),
  headerMapping: HeaderMapping.default({}),
  /** R-NOT-02: users of the tenant only (a new tenant has none yet: add recipients once users exist). */
  recipients: z.array(email).max(50).default([]),
  schedule: Schedule.default(DEFAULT_SCHEDULE),
  enabled: z.boolean().default(true),
});
export type CreateSftpDirectoryBody = z.infer<typeof CreateSftpDirectoryBody>;

/**
 * PATCH: only the given fields change. A new password or private key replaces the sealed one, an omitted
 * one is kept, `null` removes it (one of the two must remain).
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
    recipients: z.array(email).max(50),
    schedule: Schedule,
  })
  .partial()
  .strict();
export type UpdateDirectoryBody = z.infer<typeof UpdateDirectoryBody>;

/** Settings not saved yet; without a fingerprint the test reports the server's key so it can be pinned. */
export const TestConnectionBody = z.object({
  sftp: SftpSettingsBody.extend({ hostKeyFingerprint: fingerprint.optional() }).refine(hasCredential, CREDENTIAL_REQUIRED),
});
export type TestConnectionBody = z.infer<typeof TestConnectionBody>;

export const TestConnectionView = z.object({
  ok: z.boolean(),
  /** The key the server presented (null when it could not be reached): pin it in `sftp.hostKeyFingerprint`. */
  hostKeyFingerprint: z.string().nullable(),
  code: z.enum(['HOST_KEY_MISMATCH', 'AUTH_FAILED', 'UNREACHABLE', 'FOLDER_MISSING']).or(z.string()).optional(),
  message: z.string().optional(),
});

export const DirectoryView = z.object({
  id: z.string().uuid(),
  tenantId: z.string().uuid(),
  name: z.string(),
  type: z.string(),
  enabled: z.boolean(),
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
  recipients: z.array(z.string()),
  schedule: Schedule,
  /** When the scheduler next starts a run (ISO 8601); null when the schedule or the directory is disabled. */
  nextRunAt: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});

export const StartRunBody = z.object({ trigger: z.enum(['manual']).default('manual') }).default({ trigger: 'manual' });

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

export const ErrorView = z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() });
