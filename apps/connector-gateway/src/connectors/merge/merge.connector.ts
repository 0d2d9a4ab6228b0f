import { MergeClient, MergeError, MergeTimeoutError, type Merge } from '@mergeapi/merge-node-client';
import { type OutboundUrlPolicy, resolveOutboundUrl } from '@roster/security';
import type { ConnectionCheck, ConnectorPage, ConnectorSettings, FetchOptions, HrisConnector } from '../connector';
import { ConnectorException, ConnectorExceptionCode } from '../connector.exception';
import { DEFAULT_RETRY_POLICY, parseRetryAfter, withRetry, type RetryPolicy } from '../retry';
import { mapMergeEmployee } from './merge-employee.mapper';

export interface MergeConnectorOptions {
  /** The bridge's API key (one per Roster installation); absent: the connector answers NOT_CONFIGURED. */
  apiKey?: string;
  /**
   * Where requests may go (SSRF guard, issue 8): the allowed hosts (ROSTER_HRIS_BRIDGE_ALLOWED_HOSTS) and whether
   * http:// to loopback is allowed (tests and local emulators only). Checked before every request, since the API
   * key goes with each one.
   */
  urlPolicy: OutboundUrlPolicy;
  retry?: RetryPolicy;
  timeoutSeconds?: number;
  onRetry?: (e: ConnectorException, delayMs: number, attempt: number) => void;
}

const EXPAND: Merge.hris.EmployeesListRequestExpandItem[] = ['manager', 'team', 'groups', 'company', 'employments'];

/** A client and the way to call it: its errors translated, a request its guard refused reported as BAD_BASE_URL. */
interface Session {
  client: MergeClient;
  call<T>(request: () => Promise<T>): Promise<T>;
}

const urlOf = (input: Parameters<typeof fetch>[0]) => (typeof input === 'string' ? input : input instanceof URL ? input.href : input.url);

/**
 * The unified HRIS bridge (Merge), through its official node client. The client's own retries are off
 * (`maxRetries: 0`): paging retries here, per page, with backoff and Retry-After (R-API-02).
 */
export class MergeConnector implements HrisConnector {
  readonly provider = 'merge';
  readonly capabilities = { incremental: true, groups: true };
  private readonly retry: RetryPolicy;

  constructor(private readonly options: MergeConnectorOptions) {
    this.retry = options.retry ?? DEFAULT_RETRY_POLICY;
  }

  async testConnection(settings: Pick<ConnectorSettings, 'baseUrl' | 'accountToken'>): Promise<ConnectionCheck> {
    try {
      const { client, call } = await this.session(settings);
      const details = await call(() => client.hris.accountDetails.retrieve());
      // Account details prove the key and the token; one employee proves the HRIS data is reachable.
      await call(() => client.hris.employees.list({ pageSize: 1 }));
      return { ok: true, integration: details.integration };
    } catch (e) {
      const error = e instanceof ConnectorException ? e : this.translate(e);
      return { ok: false, code: error.code, message: error.message };
    }
  }

  async *fetchEmployees(settings: ConnectorSettings, options: FetchOptions = {}): AsyncGenerator<ConnectorPage, void, undefined> {
    const { client, call } = await this.session(settings);
    const page = await withRetry(
      () => call(() => client.hris.employees.list({ pageSize: settings.pageSize, expand: EXPAND, modifiedAfter: options.modifiedAfter })),
      this.retry,
      this.options.onRetry,
    );
    for (;;) {
      yield this.normalise(page.data, settings);
      if (!page.hasNextPage()) return;
      // getNextPage keeps the page as it was when it throws, so the same cursor is tried again.
      await withRetry(() => call(() => page.getNextPage()), this.retry, this.options.onRetry);
    }
  }

  private normalise(items: Merge.hris.Employee[], settings: ConnectorSettings): ConnectorPage {
    const out: ConnectorPage = { employees: [], problems: [], rows: items.length };
    const options = { usernameAttribute: settings.usernameAttribute ?? 'workEmail', today: new Date().toISOString().slice(0, 10) };
    for (const item of items) {
      const mapped = mapMergeEmployee(item, settings.fieldMappings, options);
      if (mapped.employee) out.employees.push(mapped.employee);
      out.problems.push(...mapped.problems);
    }
    return out;
  }

  /** The URL checked (allow-list, then addresses) before the client exists; no request leaves unchecked either. */
  private async session(settings: Pick<ConnectorSettings, 'baseUrl' | 'accountToken'>): Promise<Session> {
    if (!this.options.apiKey) {
      throw new ConnectorException(ConnectorExceptionCode.NOT_CONFIGURED, 'the HRIS bridge API key is not configured on connector-gateway (ROSTER_HRIS_BRIDGE_API_KEY)');
    }
    const checked = await this.check(settings.baseUrl, 'base URL refused');
    let guardError: ConnectorException | undefined;
    // Node's fetch, each request checked again (defence in depth: a URL the client builds, a stored directory from
    // before the allow-list) and refusing redirects: a 3xx is an answer, not somewhere to go.
    const guardedFetch: typeof fetch = async (input, init) => {
      try {
        await this.check(urlOf(input), 'request refused');
      } catch (e) {
        guardError = e as ConnectorException;
        throw e;
      }
      const res = await fetch(input, { ...init, redirect: 'manual' });
      // The client takes any status under 400 for an answer; a redirect is neither an answer nor somewhere to go.
      if (res.status >= 300 && res.status < 400) {
        await res.body?.cancel();
        const to = locationHost(res);
        guardError = new ConnectorException(ConnectorExceptionCode.PAGE_FAILED, `the bridge answered a redirect (${res.status}${to ? ` to ${to}` : ''}); redirects are not followed`);
        throw guardError;
      }
      return res;
    };
    const client = new MergeClient({
      apiKey: this.options.apiKey,
      accountToken: settings.accountToken,
      baseUrl: checked.toString().replace(/\/+$/, ''),
      maxRetries: 0,
      timeoutInSeconds: this.options.timeoutSeconds ?? 60,
      fetch: guardedFetch,
    });
    const call = async <T>(request: () => Promise<T>): Promise<T> => {
      guardError = undefined;
      try {
        return await request();
      } catch (e) {
        // The client turns a throwing fetch into an error with the message only; the guard's refusal keeps its code.
        throw guardError ?? this.translate(e);
      }
    };
    return { client, call };
  }

  private async check(url: string, what: string): Promise<URL> {
    const checked = await resolveOutboundUrl(url, this.options.urlPolicy).catch((e: Error) => {
      throw new ConnectorException(ConnectorExceptionCode.UNREACHABLE, `cannot resolve ${hostOf(url)}: ${e.message}`, true);
    });
    if (!checked.ok) throw new ConnectorException(ConnectorExceptionCode.BAD_BASE_URL, `${what}: ${checked.reason}`);
    return checked.url;
  }

  /** A client error → what it means for us (and whether to try again). */
  private translate(e: unknown): ConnectorException {
    if (e instanceof ConnectorException) return e;
    if (e instanceof MergeTimeoutError) return new ConnectorException(ConnectorExceptionCode.UNREACHABLE, `the provider did not answer in time: ${e.message}`, true);
    if (!(e instanceof MergeError)) return new ConnectorException(ConnectorExceptionCode.UNREACHABLE, `the provider could not be reached: ${(e as Error).message}`, true);
    const status = e.statusCode;
    const detail = describeBody(e.body);
    if (status === undefined) return new ConnectorException(ConnectorExceptionCode.UNREACHABLE, `the provider could not be reached: ${rootCause(e)}`, true);
    if (status === 401) return new ConnectorException(ConnectorExceptionCode.BAD_API_KEY, `the bridge refused the API key (401${detail})`);
    if (status === 403) return new ConnectorException(ConnectorExceptionCode.BAD_ACCOUNT_TOKEN, `the bridge refused the account token (403${detail})`);
    if (status === 429) {
      const retryAfterMs = parseRetryAfter(e.rawResponse?.headers.get('retry-after'));
      const wait = retryAfterMs === undefined ? '' : `, Retry-After ${Math.round(retryAfterMs / 1000)} s`;
      return new ConnectorException(ConnectorExceptionCode.RATE_LIMITED, `the bridge is rate-limiting this account (429${wait})`, true, retryAfterMs);
    }
    if (status === 408 || status >= 500) return new ConnectorException(ConnectorExceptionCode.UNREACHABLE, `the bridge answered ${status}${detail}`, true);
    return new ConnectorException(ConnectorExceptionCode.PAGE_FAILED, `the bridge answered ${status}${detail}`);
  }
}

function hostOf(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return url;
  }
}

function locationHost(res: Response): string | undefined {
  const location = res.headers.get('location');
  try {
    return location ? new URL(location, res.url).host : undefined;
  } catch {
    return undefined;
  }
}

function rootCause(e: Error): string {
  let cause: unknown = e;
  while (cause instanceof Error && cause.cause) cause = cause.cause;
  return cause instanceof Error && cause !== e ? `${e.message} (${(cause as NodeJS.ErrnoException).code ?? cause.message})` : e.message;
}

function describeBody(body: unknown): string {
  if (body && typeof body === 'object') return `: ${JSON.stringify(body).slice(0, 200)}`;
  return typeof body === 'string' && body ? `: ${body.slice(0, 200)}` : '';
}
