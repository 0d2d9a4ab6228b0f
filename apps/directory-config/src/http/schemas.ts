import { z } from 'zod';
import { RowProblem, RunCounts, RunFailure, RunStatus, RunTrigger } from '@roster/contracts';

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

export const CreateSftpDirectoryBody = z.object({
  name: z.string().trim().min(1).max(200),
  type: z.literal('sftp-csv'),
  sftp: z.object({
    host: z.string().trim().min(1).max(253),
    port: z.number().int().min(1).max(65535).default(22),
    username: z.string().min(1).max(200),
    password: z.string().min(1).max(1000),
    folder: z.string().regex(/^\/[^\0]*$/, 'expected an absolute folder path').max(1000),
    /** R-SFTP-01: the server's host key is pinned; "test connection" shows it. */
    hostKeyFingerprint: fingerprint,
  }),
  dateFormat: z.enum(['dd/mm/yyyy', 'mm/dd/yyyy']).default('dd/mm/yyyy'),
  headerMapping: z.record(z.string(), z.string()).default({}),
  recipients: z.array(z.string().trim().toLowerCase().email()).max(50).default([]),
});
export type CreateSftpDirectoryBody = z.infer<typeof CreateSftpDirectoryBody>;

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
  }),
  dateFormat: z.string(),
  headerMapping: z.record(z.string(), z.string()),
  recipients: z.array(z.string()),
  createdAt: z.string(),
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

export const ErrorView = z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() });
