import { z } from 'zod';
import { HeldRemoval, SealedSecret } from './payloads';
import { RowProblem } from './records';
import { UserProfileReplyV1, UserProfileRequestV1, UsersSearchReplyV1, UsersSearchRequestV1 } from './users-queries';

/**
 * Core NATS request/reply: questions that need an answer now and are worthless later (test connection,
 * directory queries). Nothing here is persisted; a request while the responder is down fails at once
 * (no responders) or times out, and the caller says so. Secrets travel sealed, never in plaintext.
 */
interface RpcContract<Req extends z.ZodTypeAny, Rep extends z.ZodTypeAny> {
  subject: string;
  /** The service that answers (its replicas share a queue group named after it). */
  responder: string;
  request: Req;
  reply: Rep;
  summary: string;
}

const rpc = <Req extends z.ZodTypeAny, Rep extends z.ZodTypeAny>(c: RpcContract<Req, Rep>) => c;

export const SftpTestRequestV1 = z.object({
  tenantId: z.string().uuid(),
  /** The secrets are sealed for this directory id (a fresh one for settings not saved yet). */
  directoryId: z.string().uuid(),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535),
  username: z.string().min(1),
  password: SealedSecret.optional(),
  privateKey: SealedSecret.optional(),
  folder: z.string().min(1),
  /** Absent: the test reports the server's key so the admin can pin it. */
  hostKeyFingerprint: z.string().optional(),
});
export type SftpTestRequestV1 = z.infer<typeof SftpTestRequestV1>;

export const SftpTestReplyV1 = z.object({
  ok: z.boolean(),
  /** The key the server presented (null when it could not be reached). */
  hostKeyFingerprint: z.string().nullable(),
  code: z.string().optional(),
  message: z.string().optional(),
});
export type SftpTestReplyV1 = z.infer<typeof SftpTestReplyV1>;

export const HrisTestRequestV1 = z.object({
  tenantId: z.string().uuid(),
  /** The account token is sealed for this directory id (a fresh one for settings not saved yet). */
  directoryId: z.string().uuid(),
  provider: z.string().min(1).max(50),
  baseUrl: z.string().url(),
  accountToken: SealedSecret,
});
export type HrisTestRequestV1 = z.infer<typeof HrisTestRequestV1>;

/** R-API-01: ok, or the precise reason (`BAD_API_KEY`, `BAD_ACCOUNT_TOKEN`, `UNREACHABLE`, `RATE_LIMITED`, `BAD_BASE_URL`, …). */
export const HrisTestReplyV1 = z.object({
  ok: z.boolean(),
  code: z.string().optional(),
  message: z.string().optional(),
  /** The HR system behind the linked account, when reached. */
  integration: z.string().optional(),
});
export type HrisTestReplyV1 = z.infer<typeof HrisTestReplyV1>;

export const RunProblemsRequestV1 = z.object({
  tenantId: z.string().uuid(),
  runId: z.string().uuid(),
  offset: z.number().int().nonnegative(),
  limit: z.number().int().min(1).max(1000),
});
export type RunProblemsRequestV1 = z.infer<typeof RunProblemsRequestV1>;

export const RunProblemsReplyV1 = z.object({ total: z.number().int().nonnegative(), problems: z.array(RowProblem) });
export type RunProblemsReplyV1 = z.infer<typeof RunProblemsReplyV1>;

/** R-SAFE-01: a page of the users a held run would deactivate or delete, by email. */
export const RunHeldRemovalsRequestV1 = RunProblemsRequestV1;
export type RunHeldRemovalsRequestV1 = z.infer<typeof RunHeldRemovalsRequestV1>;

export const RunHeldRemovalsReplyV1 = z.object({ total: z.number().int().nonnegative(), users: z.array(HeldRemoval) });
export type RunHeldRemovalsReplyV1 = z.infer<typeof RunHeldRemovalsReplyV1>;

/** Whether a user is the tenant's, and its status (R-API-07: an admin's anonymization is checked before it is queued). */
export const UserStatusRequestV1 = z.object({ tenantId: z.string().uuid(), userId: z.string().uuid() });
export type UserStatusRequestV1 = z.infer<typeof UserStatusRequestV1>;

export const UserStatusReplyV1 = z.object({ found: z.boolean(), status: z.enum(['active', 'inactive', 'deleted', 'anonymized']).optional() });
export type UserStatusReplyV1 = z.infer<typeof UserStatusReplyV1>;

export const ExistingUsersRequestV1 = z.object({
  tenantId: z.string().uuid(),
  emails: z.array(z.string().min(1)).max(1000),
});
export type ExistingUsersRequestV1 = z.infer<typeof ExistingUsersRequestV1>;

/** The requested emails that are users of the tenant (lower-case). */
export const ExistingUsersReplyV1 = z.object({ existing: z.array(z.string()) });
export type ExistingUsersReplyV1 = z.infer<typeof ExistingUsersReplyV1>;

export const Rpcs = {
  'sftp.test': rpc({
    subject: 'roster.rpc.file-ingest.sftp.test.v1',
    responder: 'file-ingest',
    request: SftpTestRequestV1,
    reply: SftpTestReplyV1,
    summary: 'Test an SFTP connection: reach the host, check or learn its host key, log in, find the folder.',
  }),
  'hris.test': rpc({
    subject: 'roster.rpc.connector-gateway.hris.test.v1',
    responder: 'connector-gateway',
    request: HrisTestRequestV1,
    reply: HrisTestReplyV1,
    summary: 'Test an HRIS API connection: reach the provider, check the API key and the account token.',
  }),
  'run.problems': rpc({
    subject: 'roster.rpc.reconciler.run.problems.v1',
    responder: 'reconciler',
    request: RunProblemsRequestV1,
    reply: RunProblemsReplyV1,
    summary: "A page of a run's record-level problems (R-DIR-03), in the order found.",
  }),
  'run.held-removals': rpc({
    subject: 'roster.rpc.reconciler.run.held-removals.v1',
    responder: 'reconciler',
    request: RunHeldRemovalsRequestV1,
    reply: RunHeldRemovalsReplyV1,
    summary: 'R-SAFE-01: a page of every user a held run would deactivate or delete, by email (the run event carries the first 100).',
  }),
  'user.status': rpc({
    subject: 'roster.rpc.reconciler.user.status.v1',
    responder: 'reconciler',
    request: UserStatusRequestV1,
    reply: UserStatusReplyV1,
    summary: "Whether a user id is one of the tenant's users, and its status (checked before an anonymization or an activation is queued).",
  }),
  'users.search': rpc({
    subject: 'roster.rpc.reconciler.users.search.v1',
    responder: 'reconciler',
    request: UsersSearchRequestV1,
    reply: UsersSearchReplyV1,
    summary: "Issue 9: a page of the tenant's users by email (keyset), searched by email or name prefix and filtered by directory, status, team, manager.",
  }),
  'user.profile': rpc({
    subject: 'roster.rpc.reconciler.user.profile.v1',
    responder: 'reconciler',
    request: UserProfileRequestV1,
    reply: UserProfileReplyV1,
    summary: "Issue 9: one user of the tenant: profile, custom fields, teams, the manager chain (loop-safe, bounded) and the count of direct reports.",
  }),
  'users.existing': rpc({
    subject: 'roster.rpc.reconciler.users.existing.v1',
    responder: 'reconciler',
    request: ExistingUsersRequestV1,
    reply: ExistingUsersReplyV1,
    summary: 'Which of these emails are users of the tenant (R-NOT-02: recipients must be users).',
  }),
} as const;

export type RpcName = keyof typeof Rpcs;
export type RpcRequestOf<N extends RpcName> = z.infer<(typeof Rpcs)[N]['request']>;
export type RpcReplyOf<N extends RpcName> = z.infer<(typeof Rpcs)[N]['reply']>;

/** What travels back: the reply, or why the responder could not produce one. */
export const RpcReplyEnvelope = z.union([
  z.object({ result: z.unknown() }),
  z.object({ error: z.object({ code: z.string(), message: z.string() }) }),
]);
export type RpcReplyEnvelope = z.infer<typeof RpcReplyEnvelope>;
