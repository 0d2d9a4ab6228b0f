import type { EntityManager } from '@mikro-orm/postgresql';
import { qualified, sql } from '@roster/persistence';
import { normalizeEmail, type RecordRef } from '@roster/reconciliation';

/**
 * R-API-10: a work email is one user per tenant, so two records of a run with the same email are one person too
 * many — the later one is a DUPLICATE_EMAIL problem. The planner sees that within a batch; across batches the
 * run's first record of each email goes into a temp table of the run's transaction (one statement over the staged
 * batches), and each batch asks which of its emails an earlier batch claimed. Without it the later record would
 * match the user the earlier one just created, and silently take it over.
 */
export class RunEmailClaims {
  private constructor(private readonly em: EntityManager | null) {}

  /** Claims are kept for runs matched by external id (API and event sources); a file's emails are its key already. */
  static async start(em: EntityManager, runId: string, enabled: boolean): Promise<RunEmailClaims> {
    if (!enabled) return new RunEmailClaims(null);
    await sql(em, `drop table if exists pg_temp.run_email_claims`);
    await sql(em,
      `create temp table run_email_claims on commit drop as
         select distinct on (email) email, batch_no, row_number, external_id from (
           select lower(trim(e.v->>'email')) as email, b.batch_no, e.ord, (e.v->>'rowNumber')::int as row_number,
                  nullif(trim(e.v->>'externalId'), '') as external_id
             from ${qualified(em, 'staged_batches')} b cross join lateral jsonb_array_elements(b.employees) with ordinality as e(v, ord)
            where b.run_id = ? and b.teams is null) x
         order by email, batch_no, ord`,
      [runId],
    );
    await sql(em, `create index on pg_temp.run_email_claims (email)`);
    return new RunEmailClaims(em);
  }

  /** Of these emails, those a record of an earlier batch claimed, with that record. */
  async claimedBefore(batchNo: number, emails: readonly string[]): Promise<Map<string, RecordRef>> {
    const claimed = new Map<string, RecordRef>();
    if (!this.em || emails.length === 0) return claimed;
    const rows = await sql<{ email: string; row_number: number | null; external_id: string | null }>(this.em,
      `select email, row_number, external_id from pg_temp.run_email_claims
        where batch_no < ? and email in (select jsonb_array_elements_text(?::jsonb))`,
      [batchNo, JSON.stringify([...new Set(emails.map(normalizeEmail))])],
    );
    for (const r of rows) {
      claimed.set(r.email, { ...(r.row_number === null ? {} : { rowNumber: r.row_number }), ...(r.external_id === null ? {} : { externalId: r.external_id }) });
    }
    return claimed;
  }
}
