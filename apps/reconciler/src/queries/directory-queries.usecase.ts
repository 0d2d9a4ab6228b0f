import { Injectable } from '@nestjs/common';
import { MikroORM } from '@mikro-orm/postgresql';
import type { ExistingUsersReplyV1, ExistingUsersRequestV1, RowProblem, RunProblemsReplyV1, RunProblemsRequestV1 } from '@roster/contracts';
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
