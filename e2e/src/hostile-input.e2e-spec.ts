import { join } from 'node:path';
import fc from 'fast-check';
import type { JetStreamManager } from 'nats';
import { changedParts, listTables, storedStateDigest } from './support/dump';
import { type BodyRoute, bodiesFor, requestBodyRoutes } from './support/openapi-fuzz';
import { World, startWorld } from './support/world';

const CASES = 1000;
/** Bodies sent at once; a batch that changed nothing stored proves all its refusals changed nothing. */
const BATCH = 25;

/**
 * Every route of the admin API that takes a body, from its OpenAPI document (the build the services run: the test
 * checks the served document has the same routes). POST /v1/tenants runs last: the tenants it creates would make
 * every later key rotation (POST /v1/keys/rotate) re-wrap hundreds of data keys.
 */
const { buildOpenApiDocument } = require(join(__dirname, '..', '..', 'dist', 'apps', 'directory-config', 'src', 'http', 'openapi.js')) as {
  buildOpenApiDocument: () => Parameters<typeof requestBodyRoutes>[0];
};
const ROUTES = requestBodyRoutes(buildOpenApiDocument()).sort((a, b) => Number(a.path === '/v1/tenants') - Number(b.path === '/v1/tenants'));

type Answer = { status: number; body: { code?: string; message?: string; details?: { path: string; message: string }[] } };
/** A payload as a failure message shows it: JSON, long strings cut. */
const brief = (payload: unknown) => JSON.stringify(payload, (_k, v: unknown) => (typeof v === 'string' && v.length > 60 ? `${v.slice(0, 40)}…(${v.length} chars)` : v));

/**
 * Hostile input through the running admin API (issue 8, R-SAFE-02): for each route that takes a body, 1000 bodies
 * generated from its request schema (anything JSON, the schema's keys with any values, and schema-shaped values with
 * parts replaced). Every answer is a success or a clear refusal (a code and a message, and for a validation failure
 * the field(s) and why), never a 500; and a refused request changes nothing stored — every table of every service
 * and every stream (messages and durable consumers) is the same before and after it.
 */
describe('admin API against hostile bodies (R-SAFE-02)', () => {
  let world: World;
  let jsm: JetStreamManager;
  let tables: { schema: string; name: string }[];
  let tenantId: string;
  let directoryId: string;
  const outcomes: Record<string, { succeeded: number; refused: number; recheckedRefusals: number }> = {};

  beforeAll(async () => {
    world = await startWorld('e2e_hostile', { sftp: false, env: { ROSTER_API_RATE_BURST: '1000000', ROSTER_API_RATE_PER_SECOND: '1000000' } });
    tenantId = await world.createTenant('Hostile Co');
    directoryId = (await world.platform.api<{ id: string }>('POST', `/v1/tenants/${tenantId}/directories`, { name: 'Events', type: 'event' })).body.id;
    jsm = await world.nc.jetstreamManager();
    tables = await listTables(world.pg);
  }, 120_000);

  afterAll(async () => {
    // The measured spread of outcomes per route: how much of the fuzz got past validation.
    if (Object.keys(outcomes).length) console.log(`R-SAFE-02 outcomes per route:\n${JSON.stringify(outcomes, null, 1)}`);
    await world?.stop();
  }, 60_000);

  const send = async (method: string, path: string, payload: unknown): Promise<Answer> => {
    const { status, body } = await world.platform.api<Answer['body'] | undefined>(method, path, payload);
    return { status, body: body ?? {} };
  };
  const digest = () => storedStateDigest(world.pg, jsm, tables);
  /** The stored state once work a success started (outbox relay, a run, a mail) has finished: two equal digests in a row. */
  const settled = async () => {
    const deadline = Date.now() + 20_000;
    let last = await digest();
    for (;;) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const now = await digest();
      const changed = changedParts(last, now);
      if (changed.length === 0) return now;
      if (Date.now() > deadline) throw new Error(`stored state still changing after 20 s: ${changed.join(', ')}`);
      last = now;
    }
  };
  const pathOf = (route: BodyRoute) =>
    route.path.replace(/\{(\w+)\}/g, (_, name: string) => {
      const value = { tenantId, directoryId, sequence: '1' }[name];
      if (!value) throw new Error(`the fuzz has no value for path parameter ${name} of ${route.method} ${route.path}: add one`);
      return value;
    });

  /** A refusal names the problem: a code, a message, and for validation the field(s) and why. */
  const isClearRefusal = ({ status, body: b }: Answer) =>
    status >= 400 &&
    status < 500 &&
    typeof b.code === 'string' &&
    typeof b.message === 'string' &&
    (b.code !== 'VALIDATION_FAILED' || ((b.details?.length ?? 0) > 0 && (b.details ?? []).every((d) => typeof d.path === 'string' && typeof d.message === 'string')));

  it('R-SAFE-02 fuzzes every route the served OpenAPI document lists with a request body', async () => {
    const served = requestBodyRoutes((await world.platform.api<Parameters<typeof requestBodyRoutes>[0]>('GET', '/openapi.json')).body);
    const names = (routes: BodyRoute[]) => routes.map((r) => `${r.method} ${r.path}`).sort();
    expect(names(ROUTES)).toEqual(names(served));
    expect(ROUTES.length).toBeGreaterThanOrEqual(13);
  });

  it('R-SAFE-02 positive control: the stored-state digest sees one changed field of one row', async () => {
    const before = await settled();
    expect((await send('PATCH', `/v1/tenants/${tenantId}/directories/${directoryId}`, { name: 'Events (renamed)' })).status).toBe(200);
    expect(changedParts(before, await digest())).toEqual(['directory_config.directories']);
  });

  it.each(ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))(
    `R-SAFE-02 %s: ${CASES} generated bodies succeed or are clearly refused, never a 500; a refused one changes nothing stored`,
    async (name, route) => {
      const path = pathOf(route);
      const unclear: { payload: string; answer: Answer }[] = [];
      const changedByRefusal: { payload: string; answer: Answer; changed: string[] }[] = [];
      const outcome = (outcomes[name] = { succeeded: 0, refused: 0, recheckedRefusals: 0 });

      /** Refused bodies sent again, together, with nothing else running; one at a time only to name the culprit. */
      const expectRefusalsChangeNothing = async (payloads: unknown[]) => {
        outcome.recheckedRefusals += payloads.length;
        const base = await settled();
        const again = await Promise.all(payloads.map((p) => send(route.method, path, p)));
        if (changedParts(base, await digest()).length === 0 && again.every((a) => a.status >= 400)) return;
        for (const payload of payloads) {
          const before = await settled();
          const answer = await send(route.method, path, payload);
          const changed = changedParts(before, await digest());
          if (answer.status >= 400 && changed.length > 0) changedByRefusal.push({ payload: brief(payload), answer, changed });
        }
      };

      const bodies = fc.sample(bodiesFor(route.schema), { numRuns: CASES, seed: [...name].reduce((h, c) => (h * 31 + c.charCodeAt(0)) | 0, 7) });
      let before = await settled();
      for (let i = 0; i < bodies.length; i += BATCH) {
        const batch = bodies.slice(i, i + BATCH);
        const answers = await Promise.all(batch.map((payload) => send(route.method, path, payload)));
        answers.forEach((answer, j) => {
          if (answer.status < 400) outcome.succeeded++;
          else outcome.refused++;
          if (answer.status >= 400 && !isClearRefusal(answer)) unclear.push({ payload: brief(batch[j]), answer });
        });
        const after = await digest();
        if (changedParts(before, after).length > 0) {
          // Successes of this batch changed the state (or work one started is still going): its refusals once more, alone.
          await expectRefusalsChangeNothing(batch.filter((_, j) => answers[j].status >= 400));
          before = await settled();
        } else {
          before = after;
        }
      }

      // A 500's cause is in the service log: its first error lines go with the failure.
      const errors = unclear.length ? [...new Set(world.platform.logs().split('\n').filter((l) => /Error\b/.test(l)))].slice(0, 5) : [];
      expect({ unclear: unclear.slice(0, 5), errors }).toEqual({ unclear: [], errors: [] });
      expect(changedByRefusal.slice(0, 5)).toEqual([]);
      expect(outcome.succeeded + outcome.refused).toBe(CASES);
      expect(outcome.refused).toBeGreaterThan(0);
    },
    240_000,
  );

  it('R-SAFE-02 every service is still running', () => {
    for (const s of Object.values(world.platform.services)) expect(s.process.isRunning()).toBe(true);
  });
});
