import { MAX_RECORD_BYTES, RECORDS_BATCH_MAX_BYTES, subjectOf } from '@roster/contracts';
import { HrisEmulator, hrisEmployee, startHrisEmulator } from '@roster/testing';
import { World, hrisEmulatorEnv, startWorld } from './support/world';

const EMPLOYEES = 12;
const PAGE = 5;
/** Each employee's notes (a custom field): three fit in a record batch, four do not. */
const NOTES_BYTES = 300_000;
/** An employee whose record is over MAX_RECORD_BYTES, though a record batch could carry it: its user.updated would not fit. */
const HUGE_NOTES_BYTES = 400_000;
const HUGE = 7;

interface BatchOnTheBus {
  batchNo: number;
  employees: { email: string; externalId?: string }[];
  problems: { externalId?: string; code: string; message: string }[];
  /** UTF-8 bytes of the batch's records (employees and problems), what RECORDS_BATCH_MAX_BYTES bounds. */
  recordBytes: number;
  /** The whole message as stored on the stream. */
  messageBytes: number;
}

/**
 * HR-API employees that carry a lot (custom fields): connector-gateway cuts a run's `records.batch` messages by
 * bytes as well as by count, so a run is never a batch over NATS's max_payload (whose publish fails, and the run
 * with it); and an employee too large for any batch is a problem of the run instead.
 */
describe('HR-API record batches of heavy employees, end to end', () => {
  let emulator: HrisEmulator;
  let world: World;

  beforeAll(async () => {
    emulator = await startHrisEmulator({
      employees: EMPLOYEES,
      customize: (record, i) => ({ ...record, mobile_phone_number: String(i % 10).repeat(NOTES_BYTES) }),
    });
    // The default batch size (1000): by count alone a run of 12 would be one 3.6 MB batch.
    world = await startWorld('e2e_hris_batches', { sftp: false, env: hrisEmulatorEnv(emulator) });
  }, 120_000);

  afterAll(async () => {
    await world?.stop();
    await emulator?.close();
  }, 60_000);

  /** A tenant with an hris-api directory on the emulator whose mobile phone is the custom field `Notes`. */
  const tenantWithDirectory = async (name: string) => {
    const tenantId = await world.createTenant(name, `owner@${name.toLowerCase().replace(/\W/g, '')}.test`);
    const directoryId = await world.createHrisDirectory(tenantId, emulator, {
      pageSize: PAGE,
      policy: { orphans: 'ignore' },
      overrides: {
        hris: {
          provider: 'merge',
          baseUrl: emulator.baseUrl,
          accountToken: emulator.accountToken,
          pageSize: PAGE,
          fieldMappings: [{ source: 'mobilePhone', target: 'Notes' }],
        },
      },
    });
    return { tenantId, directoryId };
  };

  /** The run's `records.batch` messages as ROSTER_RECORDS holds them, by batch number. */
  const batchesOf = async (tenantId: string, runId: string): Promise<BatchOnTheBus[]> => {
    const jsm = await world.nc.jetstreamManager();
    const subject = subjectOf('records.batch', { tenant: tenantId });
    const info = await jsm.streams.info('ROSTER_RECORDS');
    const batches: BatchOnTheBus[] = [];
    for (let seq = info.state.first_seq; seq > 0 && seq <= info.state.last_seq; seq++) {
      const m = await jsm.streams.getMessage('ROSTER_RECORDS', { seq }).catch(() => undefined);
      if (m?.subject !== subject) continue;
      const { data } = JSON.parse(new TextDecoder().decode(m.data)) as { data: Omit<BatchOnTheBus, 'recordBytes' | 'messageBytes'> & { runId: string } };
      if (data.runId !== runId) continue;
      const recordBytes = Buffer.byteLength(JSON.stringify([...data.employees, ...data.problems]));
      batches.push({ batchNo: data.batchNo, employees: data.employees, problems: data.problems, recordBytes, messageBytes: m.data.length });
    }
    return batches.sort((a, b) => a.batchNo - b.batchNo);
  };

  /** The directory's users and the bytes of their notes, by email. */
  const notesOf = async (tenantId: string, directoryId: string) =>
    (
      await world.pg.query<{ email: string; notes: number }>(
        `select email, octet_length(custom_fields->>'Notes') as notes from reconciler.users where tenant_id = $1 and source_directory_id = $2`,
        [tenantId, directoryId],
      )
    ).rows.sort(byEmail);
  const byEmail = (a: { email: string }, b: { email: string }) => (a.email < b.email ? -1 : a.email > b.email ? 1 : 0);
  const email = (i: number) => hrisEmployee(i).work_email as string;

  it('R-API-02 employees with 300 KB of custom fields each go out in record batches under the bound, every one, in order', async () => {
    const { tenantId, directoryId } = await tenantWithDirectory('Heavy Co');
    const runId = await world.startRun(tenantId, directoryId);
    const run = await world.waitForRun(tenantId, runId, 60_000);
    expect(run).toMatchObject({ status: 'succeeded', problemCount: 0, failure: null });
    expect(run.counts).toMatchObject({ created: EMPLOYEES, failed: 0, skipped: 0 });

    const batches = await batchesOf(tenantId, runId);
    // Cut by bytes (three 300 KB employees fit, a fourth would not), not by count, and across page boundaries.
    expect(batches.map((b) => [b.batchNo, b.employees.length])).toEqual([
      [0, 3],
      [1, 3],
      [2, 3],
      [3, 3],
    ]);
    for (const b of batches) {
      expect(b.recordBytes).toBeLessThanOrEqual(RECORDS_BATCH_MAX_BYTES);
      expect(b.messageBytes).toBeLessThanOrEqual(1024 * 1024);
      expect(b.problems).toEqual([]);
    }
    const all = Array.from({ length: EMPLOYEES }, (_, i) => i);
    expect(batches.flatMap((b) => b.employees.map((e) => e.email))).toEqual(all.map(email));

    expect(await notesOf(tenantId, directoryId)).toEqual(all.map((i) => ({ email: email(i), notes: NOTES_BYTES })).sort(byEmail));
  }, 90_000);

  it('R-API-02 R-DIR-03 R-SAFE-02 an employee too large for any record batch is a RECORD_TOO_LARGE problem of the run; the others are applied', async () => {
    emulator.update(HUGE, { mobile_phone_number: 'x'.repeat(HUGE_NOTES_BYTES) });
    const { tenantId, directoryId } = await tenantWithDirectory('Huge Co');
    const runId = await world.startRun(tenantId, directoryId);
    const run = await world.waitForRun(tenantId, runId, 60_000);

    const huge = hrisEmployee(HUGE);
    expect(run).toMatchObject({ status: 'partially-succeeded', problemCount: 1, failure: null });
    expect(run.counts).toMatchObject({ created: EMPLOYEES - 1 });
    expect(run.problems).toEqual([expect.objectContaining({ externalId: huge.id, code: 'RECORD_TOO_LARGE' })]);
    const [problem] = run.problems;
    expect(problem.message).toContain(`employee ${huge.id} (${huge.work_email})`);
    expect(problem.message).toMatch(new RegExp(`the record is 40\\d{4} bytes of JSON, over the ${MAX_RECORD_BYTES} a record may have \\(the events announcing it must fit on the bus\\); skipped`));

    // The others went out, in order, in batches under the bound; the huge one as its problem only.
    const batches = await batchesOf(tenantId, runId);
    const others = Array.from({ length: EMPLOYEES }, (_, i) => i).filter((i) => i !== HUGE);
    expect(batches.flatMap((b) => b.employees.map((e) => e.email))).toEqual(others.map(email));
    expect(batches.flatMap((b) => b.problems.map((p) => [p.externalId, p.code]))).toEqual([[huge.id, 'RECORD_TOO_LARGE']]);
    for (const b of batches) expect(b.recordBytes).toBeLessThanOrEqual(RECORDS_BATCH_MAX_BYTES);

    expect(await notesOf(tenantId, directoryId)).toEqual(others.map((i) => ({ email: email(i), notes: NOTES_BYTES })).sort(byEmail));
  }, 90_000);
});
