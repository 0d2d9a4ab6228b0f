import type { EntityManager } from '@mikro-orm/postgresql';
import type { RowProblem } from '@roster/contracts';
import { qualified, sql } from '@roster/persistence';

const FIRST_PROBLEMS = 100;

/** Every problem of the run goes to run_problems; the first ones also travel on `run.finished`. */
export class ProblemLog {
  count = 0;
  readonly first: RowProblem[] = [];

  constructor(
    private readonly em: EntityManager,
    private readonly tenantId: string,
    private readonly runId: string,
  ) {}

  async add(problems: readonly RowProblem[]): Promise<void> {
    for (let i = 0; i < problems.length; i += 1000) {
      const chunk = problems.slice(i, i + 1000);
      await sql(this.em,
        `insert into ${qualified(this.em, 'run_problems')} (run_id, seq, tenant_id, row_number, external_id, field, code, message)
         values ${chunk.map(() => '(?, ?, ?, ?, ?, ?, ?, ?)').join(', ')}`,
        chunk.flatMap((p, j) => [this.runId, this.count + j, this.tenantId, p.rowNumber ?? null, p.externalId ?? null, p.field ?? null, p.code, p.message]),
      );
      this.count += chunk.length;
    }
    for (const p of problems) if (this.first.length < FIRST_PROBLEMS) this.first.push(p);
  }
}
