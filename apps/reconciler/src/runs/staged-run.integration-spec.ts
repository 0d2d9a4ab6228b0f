import { randomUUID } from 'node:crypto';
import type { EntityManager, MikroORM } from '@mikro-orm/postgresql';
import type { CanonicalEmployee, CanonicalTeam } from '@roster/contracts';
import { openDatabase, qualified, sql } from '@roster/persistence';
import { createTestDatabase, inRolledBackTransaction, type TestDatabase } from '@roster/testing';
import { databaseOptions } from '../database';
import { recordDigest } from '@roster/reconciliation';
import { readStagedBatch, scanRun, stagedLabels } from './staged-run';

const TENANT = '00000000-0000-4000-8000-0000000000e1';

const employee = (email: string, customFields?: Record<string, string>): CanonicalEmployee => ({ email, ...(customFields ? { customFields } : {}) }) as CanonicalEmployee;

/**
 * The first look at a run's staged batches (R-SFTP-03 teams first, R-CSV-04 custom fields): the teams file's
 * records in batch order, and a type for each label the tenant has no definition for, inferred from every value of
 * the run, whichever batch it is in.
 */
describe('scanRun (R-SFTP-03, R-CSV-04)', () => {
  let db: TestDatabase;
  let orm: MikroORM;

  beforeAll(async () => {
    db = await createTestDatabase('reconciler_scan');
    orm = await openDatabase({ ...databaseOptions(db.url), migrate: true });
  }, 60_000);

  afterAll(async () => {
    await orm?.close(true);
    await db?.drop();
  });

  /**
   * Stages the batches as StageBatchUseCase does, each with its labels (`stagedLabels`), or, where `legacy` says so,
   * without: as a batch staged before the labels were kept.
   */
  async function withBatches(
    batches: { employees: CanonicalEmployee[]; teams?: CanonicalTeam[] }[],
    body: (em: EntityManager, runId: string) => Promise<void>,
    legacy: (batchNo: number) => boolean = () => false,
  ) {
    const runId = randomUUID();
    await inRolledBackTransaction(orm, async (em) => {
      for (const [batchNo, b] of batches.entries()) {
        await sql(em,
          `insert into ${qualified(em, 'staged_batches')} (run_id, fetch_id, batch_no, tenant_id, employees, problems, teams, custom_labels)
           values (?, '', ?, ?, ?::jsonb, '[]'::jsonb, ?::jsonb, ?::text[])`,
          [runId, batchNo, TENANT, JSON.stringify(b.employees), b.teams ? JSON.stringify(b.teams) : null, legacy(batchNo) ? null : stagedLabels(b.employees)],
        );
      }
      await body(em, runId);
    });
  }

  it('issue 4: the labels kept with each batch give the scan the labels, in the order, that the batches\' records give it', async () => {
    // Keys of every length, case, digits (JavaScript lists integer-like keys first), accents (more UTF-8 bytes than
    // characters), in several orders and repeated across records and batches.
    const batches = [
      { employees: [], teams: [{ name: 'Ops' } as CanonicalTeam] },
      { employees: [employee('a@x.io', { Zone: '1', b: '1', '10': '1', Été: '1', A: '1' }), employee('b@x.io'), employee('c@x.io', { '2': '1', Zone: '1', ab: '1' })] },
      { employees: [employee('d@x.io', { émoji: '1', 'Cost Center': '1', aa: '1', A: '1' }), employee('e@x.io', { z: '1' })] },
      { employees: [employee('f@x.io', { Été: '1', Ete: '1', '€': '1', E: '1' })] },
    ];
    const labelsOf = async (legacy: (batchNo: number) => boolean) => {
      let labels: string[] = [];
      await withBatches(batches, async (em, runId) => {
        labels = (await scanRun(em, runId, batches.length, new Map(), 'dd/mm/yyyy')).customFields.map((f) => f.label);
      }, legacy);
      return labels;
    };
    const fromRecords = await labelsOf(() => true);
    expect(fromRecords).toHaveLength(14);
    expect(await labelsOf(() => false)).toEqual(fromRecords);
    expect(await labelsOf((batchNo) => batchNo === 2)).toEqual(fromRecords); // a run staged across an upgrade
  });

  it('infers each new label from every batch, in the order the run first has the labels; known labels and blank-only ones are left out', async () => {
    const batches = [
      { employees: [], teams: [{ name: 'Ops' } as CanonicalTeam, { name: 'Sales' } as CanonicalTeam] },
      { employees: [employee('a@x.io', { Level: '3', Remote: 'yes', Known: 'x' }), employee('b@x.io'), employee('c@x.io', { Start: '01/02/2024', Blank: ' ' })] },
      { employees: [employee('d@x.io', { Level: '4', Start: '2024-03-31', Zone: 'EU' })] },
      { employees: [employee('e@x.io', { Level: 'senior', Remote: 'no' })], teams: [{ name: 'Legal' } as CanonicalTeam] },
    ];
    await withBatches(batches, async (em, runId) => {
      const scan = await scanRun(em, runId, batches.length, new Map([['Known', 'text']]), 'dd/mm/yyyy');
      expect(scan.teams.map((t) => t.name)).toEqual(['Ops', 'Sales', 'Legal']);
      // Level looked like a number until the last batch; jsonb keeps a record's keys shortest first.
      expect(scan.customFields).toEqual([
        { label: 'Level', type: 'text' },
        { label: 'Remote', type: 'boolean' },
        { label: 'Start', type: 'date' },
        { label: 'Zone', type: 'text' },
      ]);
    });
  });

  it('a run whose labels are all defined yields no custom field, and a run without any yields none either', async () => {
    await withBatches([{ employees: [employee('a@x.io', { Level: '3' })] }, { employees: [employee('b@x.io')] }], async (em, runId) => {
      expect(await scanRun(em, runId, 2, new Map([['Level', 'number']]), 'dd/mm/yyyy')).toEqual({ teams: [], customFields: [] });
    });
    await withBatches([{ employees: [employee('a@x.io')] }], async (em, runId) => {
      expect(await scanRun(em, runId, 1, new Map(), 'dd/mm/yyyy')).toEqual({ teams: [], customFields: [] });
    });
  });

  it('issue 4: records read back from their staged batch have the same digest whatever their row number and field order, and another for another context or any other field', async () => {
    const ann = { rowNumber: 2, email: 'ann@x.io', jobTitle: 'Lead', customFields: { Level: '3', Zone: 'EU' } } as CanonicalEmployee;
    const reordered = { customFields: { Zone: 'EU', Level: '3' }, jobTitle: 'Lead', email: 'ann@x.io', rowNumber: 907 } as CanonicalEmployee;
    const changed = { ...ann, customFields: { Level: '4', Zone: 'EU' } } as CanonicalEmployee;
    await withBatches([{ employees: [ann, reordered, changed] }], async (em, runId) => {
      const batch = await readStagedBatch(em, runId, 0);
      expect(batch.employees.map((e) => e.rowNumber)).toEqual([2, 907, 2]);
      const [a, b, c] = batch.employees.map((e) => recordDigest('context-1', e));
      expect(a).toMatch(/^[0-9a-f]{32}$/);
      expect(b).toBe(a);
      expect(c).not.toBe(a);
      expect(recordDigest('context-2', batch.employees[0] as CanonicalEmployee)).not.toBe(a);
    });
  });

  it('issue 4: a staged batch read back (parsed in the service, not the driver) is what was staged: records, row problems, teams or none', async () => {
    const records = [
      { rowNumber: 2, email: 'zoë@x.io', firstName: 'Zoë', customFields: { Note: 'line\nbreak "quoted" \u0001 😀', Level: '3' }, teams: ['Ops'] },
      { rowNumber: 3, email: 'bo@x.io', managerEmail: 'zoë@x.io', isOrgAdmin: true },
    ] as CanonicalEmployee[];
    const teams = [{ name: 'Ops', parentName: 'Eng' } as CanonicalTeam];
    await withBatches([{ employees: records }, { employees: [], teams }], async (em, runId) => {
      await sql(em, `update ${qualified(em, 'staged_batches')} set problems = ?::jsonb where run_id = ? and batch_no = 0`, [
        JSON.stringify([{ rowNumber: 4, field: 'Email', code: 'INVALID_EMAIL', message: 'not an email' }]),
        runId,
      ]);
      expect(await readStagedBatch(em, runId, 0)).toEqual({
        employees: records,
        problems: [{ rowNumber: 4, field: 'Email', code: 'INVALID_EMAIL', message: 'not an email' }],
        teams: null,
      });
      expect(await readStagedBatch(em, runId, 1)).toEqual({ employees: [], problems: [], teams });
    });
  });
});
