import { statementShape } from './probes';

describe('statementShape', () => {
  it('folds literals, placeholders and value lists', () => {
    expect(statementShape(`insert into "x"."t" (a, b) values ($1, $2::uuid), ($3, $4::uuid)`)).toBe('insert into "x"."t" (a, b) values (…)×n');
    expect(statementShape(`select * from t where id = 'abc' and n in (1, 2, 3)`)).toBe('select * from t where id = ? and n in (…)');
  });

  it('stays linear on a statement cut in the middle of a long list (as pg_stat_activity shows it)', () => {
    const cut = `insert into "reconciler"."users" (id, email) values ${Array.from({ length: 400 }, (_, i) => `($${2 * i + 1}::uuid, $${2 * i + 2}`).join(', ')}`.slice(0, 400);
    const started = performance.now();
    statementShape(cut);
    expect(performance.now() - started).toBeLessThan(50);
  });
});
