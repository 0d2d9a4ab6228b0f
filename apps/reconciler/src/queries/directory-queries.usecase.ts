import { Injectable } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import type {
  ExistingUsersReplyV1,
  ExistingUsersRequestV1,
  HeldRemoval,
  RowProblem,
  RunHeldRemovalsReplyV1,
  RunHeldRemovalsRequestV1,
  RunProblemsReplyV1,
  RunProblemsRequestV1,
  UserStatusReplyV1,
  UserStatusRequestV1,
} from '@roster/contracts';
import { qualified, sql } from '@roster/persistence';

interface ProblemDbRow {
  row_number: number | null;
  external_id: string | null;
  field: string | null;
  code: string;
  message: string;
}

/** Reads of the directory for other services (request/reply); every query is scoped to the tenant. */
@Injectable()
export class DirectoryQueriesUseCase {
  constructor(private readonly orm: MikroORM) {}

  /** A page of a run's problems in the order found (R-DIR-03). */
  async runProblems(q: RunProblemsRequestV1): Promise<RunProblemsReplyV1> {
    const em = this.orm.em.fork();
    const table = qualified(em, 'run_problems');
    const [{ total }] = await sql<{ total: number }>(em,
      `select count(*)::int as total from ${table} where tenant_id = ? and run_id = ?`,
      [q.tenantId, q.runId],
    );
    const rows = await sql<ProblemDbRow>(em,
      `select row_number, external_id, field, code, message from ${table}
        where tenant_id = ? and run_id = ? order by seq offset ? limit ?`,
      [q.tenantId, q.runId, q.offset, q.limit],
    );
    return { total, problems: rows.map(toProblem) };
  }

  /**
   * R-SAFE-01: a page of the users a held run would deactivate or delete, by email — the whole review list (the
   * run event carries the first 100). Scoped to the tenant through the run's state; an unknown run has none.
   */
  async heldRemovals(q: RunHeldRemovalsRequestV1): Promise<RunHeldRemovalsReplyV1> {
    const em = this.orm.em.fork();
    const from = `${qualified(em, 'held_removals')} h join ${qualified(em, 'run_states')} r on r.run_id = h.run_id and r.tenant_id = ?
                   where h.run_id = ?`;
    const [{ total }] = await sql<{ total: number }>(em, `select count(*)::int as total from ${from}`, [q.tenantId, q.runId]);
    const users = await sql<{ user_id: string; email: string; action: HeldRemoval['action'] }>(em,
      `select h.user_id, h.email, h.action from ${from} order by h.email, h.user_id offset ? limit ?`,
      [q.tenantId, q.runId, q.offset, q.limit],
    );
    return { total, users: users.map((u) => ({ userId: u.user_id, email: u.email, action: u.action })) };
  }

  /** Whether the user is the tenant's, and its status. */
  async userStatus(q: UserStatusRequestV1): Promise<UserStatusReplyV1> {
    const em = this.orm.em.fork();
    const [row] = await sql<{ status: NonNullable<UserStatusReplyV1['status']> }>(em,
      `select status from ${qualified(em, 'users')} where tenant_id = ? and id = ?`,
      [q.tenantId, q.userId],
    );
    return row ? { found: true, status: row.status } : { found: false };
  }

  /** Which of the given emails are users of the tenant, compared case-insensitively (R-NOT-02). */
  async existingUsers(q: ExistingUsersRequestV1): Promise<ExistingUsersReplyV1> {
    const emails = [...new Set(q.emails.map((e) => e.trim().toLowerCase()))];
    if (emails.length === 0) return { existing: [] };
    const em = this.orm.em.fork();
    const rows = await sql<{ email: string }>(em,
      `select distinct lower(email) as email from ${qualified(em, 'users')}
        where tenant_id = ? and lower(email) in (${emails.map(() => '?').join(', ')})`,
      [q.tenantId, ...emails],
    );
    return { existing: rows.map((r) => r.email).sort() };
  }
}

function toProblem(r: ProblemDbRow): RowProblem {
  return {
    ...(r.row_number !== null ? { rowNumber: r.row_number } : {}),
    ...(r.external_id !== null ? { externalId: r.external_id } : {}),
    ...(r.field !== null ? { field: r.field } : {}),
    code: r.code,
    message: r.message,
  };
}
