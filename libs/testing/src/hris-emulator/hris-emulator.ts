import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOOPBACK } from '../net';
import {
  HRIS_COMPANIES,
  HRIS_GROUPS,
  HRIS_SEED_TIME,
  HRIS_TEAMS,
  hrisEmployee,
  type HrisEmployeeRecord,
} from './hris-fixtures';

/**
 * A local emulator of the unified HRIS bridge's API (Merge's published HRIS v1), close enough that the
 * provider's official node client works against it unchanged:
 * - auth: `Authorization: Bearer <api key>` (401 otherwise) and `X-Account-Token` (403 otherwise), with the
 *   provider's `{ detail }` error body;
 * - `GET /api/hris/v1/employees|groups|teams|companies` with cursor pagination (`next`/`previous`, opaque
 *   cursors; `page_size` default 30 as the provider documents, more than 100 refused with 400), `modified_after`,
 *   `include_deleted_data`, `expand` (comma-separated, as the client sends it);
 * - `GET /api/hris/v1/account-details`;
 * - a configurable rate limit (429 + `Retry-After` in seconds) and injectable faults on employee pages.
 * Employees are derived from their index (`hrisEmployee`); only overrides are held in memory.
 */
export interface HrisEmulatorOptions {
  apiKey?: string;
  accountToken?: string;
  /** How many employees the source holds (default 10). */
  employees?: number;
  /** Adjusts a derived employee (e.g. blank a field for every third one); must be deterministic. */
  customize?: (record: HrisEmployeeRecord, index: number) => HrisEmployeeRecord;
  /** At most `requests` per `windowMs` per account token; more are answered 429 with Retry-After. */
  rateLimit?: { requests: number; windowMs: number };
}

export interface HrisRequestLog {
  method: string;
  path: string;
  query: Record<string, string>;
  status: number;
  /** For employee list pages: the page number in its cursor chain (0 = first page). */
  page?: number;
  /** The key the request presented (`Authorization: Bearer <key>`), right or wrong: a test sees whose key arrived. */
  bearer?: string;
}

export interface HrisEmulator {
  /** Includes `/api`, as the client's `baseUrl` wants. */
  readonly baseUrl: string;
  readonly port: number;
  readonly apiKey: string;
  readonly accountToken: string;
  /** Every request answered, in order. */
  readonly requests: HrisRequestLog[];
  /** Grows or shrinks the source; employees past the count are gone (absent, not deleted). */
  setEmployeeCount(count: number): void;
  /** Changes employee `index`; `modified_at` moves to `modifiedAt` (default now). */
  update(index: number, patch: Partial<HrisEmployeeRecord>, modifiedAt?: Date): void;
  /** Marks employee `index` deleted in the HR system (listed only with include_deleted_data=true). */
  remove(index: number, modifiedAt?: Date): void;
  /** Employee page `page` (0-based in its cursor chain) answers `status` (default 500) `times` times. */
  failPage(page: number, times: number, status?: number): void;
  /** The `next` cursor of page `page` is garbage (the provider answers 404 Invalid cursor). */
  breakCursorAfter(page: number): void;
  /** Employee page `page` answers after `ms`. */
  slowPage(page: number, ms: number): void;
  /** The next `count` requests get 429 with `Retry-After: retryAfterSeconds` (a 429 storm). */
  throttleNext(count: number, retryAfterSeconds?: number): void;
  clearFaults(): void;
  close(): Promise<void>;
}

const MAX_PAGE_SIZE = 100;
const DEFAULT_PAGE_SIZE = 30;
const EMPLOYEE_EXPANDS = new Set(['manager', 'team', 'groups', 'company', 'employments', 'home_location', 'work_location', 'pay_group']);

interface Cursor {
  /** The raw index the page starts at. */
  p: number;
  /** The page's number in its chain. */
  n: number;
}

const encodeCursor = (c: Cursor) => Buffer.from(`p=${c.p}&n=${c.n}`, 'utf8').toString('base64url');
function decodeCursor(raw: string): Cursor | undefined {
  const m = /^p=(\d+)&n=(\d+)$/.exec(Buffer.from(raw, 'base64url').toString('utf8'));
  return m ? { p: Number(m[1]), n: Number(m[2]) } : undefined;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}`);
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startHrisEmulator(options: HrisEmulatorOptions = {}): Promise<HrisEmulator> {
  const apiKey = options.apiKey ?? 'emulator-api-key';
  const accountToken = options.accountToken ?? 'emulator-account-token';
  let count = options.employees ?? 10;
  const overrides = new Map<number, HrisEmployeeRecord>();
  const requests: HrisRequestLog[] = [];
  const failures = new Map<number, { times: number; status: number }>();
  const brokenAfter = new Set<number>();
  const slow = new Map<number, number>();
  let throttle = { count: 0, retryAfter: 1 };
  const window = { start: Date.now(), used: 0 };

  const employeeAt = (index: number): HrisEmployeeRecord => {
    const base = overrides.get(index) ?? hrisEmployee(index);
    return overrides.has(index) || !options.customize ? base : options.customize(base, index);
  };
  const indexOfId = (id: string): number | undefined => {
    const m = /^00000000-0000-4001-8000-([0-9a-f]{12})$/.exec(id);
    if (!m) return undefined;
    const index = parseInt(m[1], 16);
    return index < count ? index : undefined;
  };

  function checkAuth(req: IncomingMessage): void {
    const auth = req.headers.authorization;
    if (!auth) throw new HttpError(401, { detail: 'Authentication credentials were not provided.' });
    if (auth !== `Bearer ${apiKey}`) throw new HttpError(401, { detail: 'Invalid token.' });
    const token = req.headers['x-account-token'];
    if (!token) throw new HttpError(403, { detail: 'Missing X-Account-Token header.' });
    if (token !== accountToken) throw new HttpError(403, { detail: 'Invalid account token.' });
  }

  function checkRate(): void {
    if (throttle.count > 0) {
      throttle.count--;
      throw new HttpError(429, { detail: 'Request was throttled.' }, { 'Retry-After': String(throttle.retryAfter) });
    }
    if (!options.rateLimit) return;
    const now = Date.now();
    if (now - window.start >= options.rateLimit.windowMs) {
      window.start = now;
      window.used = 0;
    }
    if (window.used >= options.rateLimit.requests) {
      const wait = Math.max(1, Math.ceil((window.start + options.rateLimit.windowMs - now) / 1000));
      throw new HttpError(429, { detail: `Request was throttled. Expected available in ${wait} seconds.` }, { 'Retry-After': String(wait) });
    }
    window.used++;
  }

  function pageSizeOf(query: URLSearchParams): number {
    const raw = query.get('page_size');
    if (raw === null || raw === '') return DEFAULT_PAGE_SIZE;
    const n = Number(raw);
    if (!Number.isInteger(n)) throw new HttpError(400, { page_size: ['A valid integer is required.'] });
    if (n > MAX_PAGE_SIZE) throw new HttpError(400, { page_size: [`Ensure this value is less than or equal to ${MAX_PAGE_SIZE}.`] });
    if (n < 1) throw new HttpError(400, { page_size: ['Ensure this value is greater than or equal to 1.'] });
    return n;
  }

  function dateParam(query: URLSearchParams, name: string): number | undefined {
    const raw = query.get(name);
    if (raw === null || raw === '') return undefined;
    const t = Date.parse(raw);
    if (Number.isNaN(t)) throw new HttpError(400, { [name]: ['Enter a valid date/time.'] });
    return t;
  }

  function cursorOf(query: URLSearchParams): Cursor {
    const raw = query.get('cursor');
    if (raw === null || raw === '') return { p: 0, n: 0 };
    const c = decodeCursor(raw);
    if (!c) throw new HttpError(404, { detail: 'Invalid cursor' });
    return c;
  }

  /** Pages over a virtual list of `size` items with a filter, starting at raw index `cursor.p`. */
  function page<T>(size: number, at: (i: number) => T, keep: (item: T) => boolean, query: URLSearchParams, render: (item: T) => unknown) {
    const pageSize = pageSizeOf(query);
    const cursor = cursorOf(query);
    const results: unknown[] = [];
    let i = cursor.p;
    for (; i < size && results.length < pageSize; i++) {
      const item = at(i);
      if (keep(item)) results.push(render(item));
    }
    while (i < size && !keep(at(i))) i++;
    let previous: string | null = null;
    if (cursor.n > 0) {
      let back = cursor.p - 1;
      for (let found = 0; back >= 0; back--) if (keep(at(back)) && ++found === pageSize) break;
      previous = encodeCursor({ p: Math.max(0, back), n: cursor.n - 1 });
    }
    const next = i < size ? (brokenAfter.has(cursor.n) ? 'not-a-cursor!' : encodeCursor({ p: i, n: cursor.n + 1 })) : null;
    return { cursor, body: { next, previous, results } };
  }

  function listFilter<T extends { modified_at: string; remote_was_deleted: boolean }>(query: URLSearchParams) {
    const after = dateParam(query, 'modified_after');
    const before = dateParam(query, 'modified_before');
    const withDeleted = query.get('include_deleted_data') === 'true';
    return (item: T) =>
      (withDeleted || !item.remote_was_deleted) &&
      (after === undefined || Date.parse(item.modified_at) > after) &&
      (before === undefined || Date.parse(item.modified_at) < before);
  }

  function renderEmployee(e: HrisEmployeeRecord, expand: Set<string>): unknown {
    const manager = e.manager === null ? null : expand.has('manager') ? expandManager(e.manager) : e.manager;
    return {
      ...e,
      manager,
      team: e.team !== null && expand.has('team') ? (HRIS_TEAMS.find((t) => t.id === e.team) ?? e.team) : e.team,
      groups: expand.has('groups') ? e.groups.map((id) => HRIS_GROUPS.find((g) => g.id === id) ?? id) : e.groups,
      company: e.company !== null && expand.has('company') ? (HRIS_COMPANIES.find((c) => c.id === e.company) ?? e.company) : e.company,
      employments: expand.has('employments') ? e.employments : e.employments.map((x) => x.id),
      home_location: null,
      work_location: null,
      pay_group: null,
      field_mappings: null,
      remote_data: null,
    };
  }

  function expandManager(id: string): unknown {
    const index = indexOfId(id);
    // Expanded objects are one level deep: the manager's own references stay ids.
    return index === undefined ? id : renderEmployee(employeeAt(index), new Set());
  }

  async function employees(query: URLSearchParams, log: HrisRequestLog): Promise<unknown> {
    const expand = new Set((query.get('expand') ?? '').split(',').filter(Boolean));
    for (const e of expand) if (!EMPLOYEE_EXPANDS.has(e)) throw new HttpError(400, { expand: [`"${e}" is not a valid choice.`] });
    const pageNo = cursorOf(query).n;
    log.page = pageNo;
    const delay = slow.get(pageNo);
    if (delay) await sleep(delay);
    const failure = failures.get(pageNo);
    if (failure && failure.times > 0) {
      failure.times--;
      throw new HttpError(failure.status, { detail: 'The third-party service is unavailable. Please try again later.' });
    }
    return page(count, employeeAt, listFilter<HrisEmployeeRecord>(query), query, (e) => renderEmployee(e, expand)).body;
  }

  function accountDetails(): unknown {
    return {
      id: '0496d4c2-42e6-4072-80b3-7b69bfdc76fd',
      integration: 'Emulated HRIS',
      integration_slug: 'emulated-hris',
      category: 'hris',
      end_user_origin_id: 'roster-emulator',
      end_user_organization_name: 'Acme',
      end_user_email_address: 'it@example.com',
      status: 'COMPLETE',
      webhook_listener_url: '',
      is_duplicate: null,
      account_type: 'PRODUCTION',
      completed_at: HRIS_SEED_TIME,
    };
  }

  async function route(req: IncomingMessage, url: URL, log: HrisRequestLog): Promise<unknown> {
    if (req.method !== 'GET') throw new HttpError(405, { detail: `Method "${req.method}" not allowed.` });
    const path = url.pathname.replace(/\/+$/, '');
    if (!path.startsWith('/api/hris/v1/')) throw new HttpError(404, { detail: 'Not found.' });
    checkAuth(req);
    checkRate();
    const q = url.searchParams;
    switch (path) {
      case '/api/hris/v1/account-details':
        return accountDetails();
      case '/api/hris/v1/employees':
        return employees(q, log);
      case '/api/hris/v1/groups':
        return page(HRIS_GROUPS.length, (i) => HRIS_GROUPS[i], listFilter(q), q, (g) => ({ ...g, field_mappings: null, remote_data: null })).body;
      case '/api/hris/v1/teams':
        return page(HRIS_TEAMS.length, (i) => HRIS_TEAMS[i], listFilter(q), q, (t) => ({ ...t, field_mappings: null, remote_data: null })).body;
      case '/api/hris/v1/companies':
        return page(HRIS_COMPANIES.length, (i) => HRIS_COMPANIES[i], listFilter(q), q, (c) => ({ ...c, field_mappings: null, remote_data: null })).body;
      default: {
        const one = /^\/api\/hris\/v1\/employees\/([^/]+)$/.exec(path);
        const index = one ? indexOfId(one[1]) : undefined;
        if (index !== undefined) return renderEmployee(employeeAt(index), new Set((q.get('expand') ?? '').split(',').filter(Boolean)));
        throw new HttpError(404, { detail: 'Not found.' });
      }
    }
  }

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const json = JSON.stringify(body);
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(json), ...headers });
    res.end(json);
  };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const bearer = /^Bearer (.*)$/.exec(req.headers.authorization ?? '')?.[1];
    const log: HrisRequestLog = { method: req.method ?? 'GET', path: url.pathname, query: Object.fromEntries(url.searchParams), status: 200, bearer };
    route(req, url, log)
      .then((body) => send(res, 200, body))
      .catch((e: unknown) => {
        if (e instanceof HttpError) {
          log.status = e.status;
          send(res, e.status, e.body, e.headers);
        } else {
          log.status = 500;
          send(res, 500, { detail: (e as Error).message });
        }
      })
      .finally(() => requests.push(log));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    baseUrl: `http://${LOOPBACK}:${port}/api`,
    port,
    apiKey,
    accountToken,
    requests,
    setEmployeeCount(n) {
      count = n;
    },
    update(index, patch, modifiedAt = new Date()) {
      overrides.set(index, { ...employeeAt(index), ...patch, modified_at: modifiedAt.toISOString() });
    },
    remove(index, modifiedAt = new Date()) {
      overrides.set(index, { ...employeeAt(index), remote_was_deleted: true, modified_at: modifiedAt.toISOString() });
    },
    failPage(pageNo, times, status = 500) {
      failures.set(pageNo, { times, status });
    },
    breakCursorAfter(pageNo) {
      brokenAfter.add(pageNo);
    },
    slowPage(pageNo, ms) {
      slow.set(pageNo, ms);
    },
    throttleNext(n, retryAfterSeconds = 1) {
      throttle = { count: n, retryAfter: retryAfterSeconds };
    },
    clearFaults() {
      failures.clear();
      brokenAfter.clear();
      slow.clear();
      throttle = { count: 0, retryAfter: 1 };
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * The services' environment for hris-api directories that talk to the emulator: its API key, http on loopback
 * allowed and the emulator's (and `others`') loopback host and port the only allowed bridge hosts (admin API and
 * gateway; any other port on loopback stays refused), and quick page retries so an incomplete fetch ends in seconds.
 */
export function hrisEmulatorEnv(emulator: { apiKey: string; port: number }, ...others: { port: number }[]): Record<string, string> {
  return {
    ROSTER_HRIS_BRIDGE_API_KEY: emulator.apiKey,
    ROSTER_HRIS_ALLOW_LOOPBACK: 'true',
    ROSTER_HRIS_BRIDGE_ALLOWED_HOSTS: hrisEmulatorHosts(emulator, ...others).join(','),
    ROSTER_HRIS_RETRY_ATTEMPTS: '3',
    ROSTER_HRIS_RETRY_BASE_MS: '50',
  };
}

/** The allow-list entries (`host:port`) of these emulators, for ROSTER_HRIS_BRIDGE_ALLOWED_HOSTS or a connector's policy. */
export function hrisEmulatorHosts(...emulators: { port: number }[]): string[] {
  return emulators.map((e) => `${LOOPBACK}:${e.port}`);
}
