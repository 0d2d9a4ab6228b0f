import type { EntityManager } from '@mikro-orm/postgresql';
import { qualified, sql } from '@roster/persistence';
import { normalizeEmail, type RecordRef } from '@roster/reconciliation';

/**
 * R-API-10: a work email is one user per tenant, so two records of a run with the same email are one person too
 * many — the later one is a DUPLICATE_EMAIL problem. The planner sees that within a batch; across batches the
 * run's first record of each email goes into a temp table of the run's transaction (one statement over the staged
 * batches), and each batch asks which of its emails an earlier batch claimed. Without it the later record would
 * match the user the earlier one just created, and silently take it over. Usernames (R-API-04) likewise.
 */
export class RunEmailClaims {
  private constructor(
    private readonly em: EntityManager | null,
    private readonly usernames = false,
  ) {}

  /**
   * Claims are kept for runs matched by external id (API and event sources); a file's emails are its key already.
   * `usernames`: R-API-04 with a username attribute — the run's usernames are claimed the same way.
   */
  static async start(em: EntityManager, runId: string, enabled: boolean, usernames = false): Promise<RunEmailClaims> {
    if (!enabled) return new RunEmailClaims(null);
    await RunEmailClaims.claim(em, runId, 'run_email_claims', `lower(trim(e.v->>'email'))`);
    // normalizeUsername of libs/reconciliation, in SQL: an email-like username compares lower-cased.
    if (usernames) await RunEmailClaims.claim(em, runId, 'run_username_claims', `(select case when t like '%@%' then lower(t) else t end from trim(e.v->>'username') t)`);
    return new RunEmailClaims(em, usernames);
  }

  private static async claim(em: EntityManager, runId: string, table: string, key: string): Promise<void> {
    await sql(em, `drop table if exists pg_temp.${table}`);
    await sql(em,
      `create temp table ${table} on commit drop as
         select distinct on (claim) claim, batch_no, row_number, external_id from (
           select ${key} as claim, b.batch_no, e.ord, (e.v->>'rowNumber')::int as row_number,
                  nullif(trim(e.v->>'externalId'), '') as external_id
             from ${qualified(em, 'staged_batches')} b cross join lateral jsonb_array_elements(b.employees) with ordinality as e(v, ord)
            where b.run_id = ? and b.teams is null) x
         where claim is not null and claim <> ''
         order by claim, batch_no, ord`,
      [runId],
    );
    await sql(em, `create index on pg_temp.${table} (claim)`);
  }

  /** Of these emails, those a record of an earlier batch claimed, with that record. */
  claimedBefore(batchNo: number, emails: readonly string[]): Promise<Map<string, RecordRef>> {
    return this.claimed('run_email_claims', batchNo, emails.map(normalizeEmail));
  }

  /** R-API-04: of these (normalised) usernames, those a record of an earlier batch claimed, with that record. */
  usernamesClaimedBefore(batchNo: number, usernames: readonly string[]): Promise<Map<string, RecordRef>> {
    return this.usernames ? this.claimed('run_username_claims', batchNo, usernames) : Promise.resolve(new Map());
  }

  private async claimed(table: string, batchNo: number, keys: readonly string[]): Promise<Map<string, RecordRef>> {
    const claimed = new Map<string, RecordRef>();
    if (!this.em || keys.length === 0) return claimed;
    const rows = await sql<{ claim: string; row_number: number | null; external_id: string | null }>(this.em,
      `select claim, row_number, external_id from pg_temp.${table}
        where batch_no < ? and claim in (select jsonb_array_elements_text(?::jsonb))`,
      [batchNo, JSON.stringify([...new Set(keys)])],
    );
    for (const r of rows) {
      claimed.set(r.claim, { ...(r.row_number === null ? {} : { rowNumber: r.row_number }), ...(r.external_id === null ? {} : { externalId: r.external_id }) });
    }
    return claimed;
  }
}
