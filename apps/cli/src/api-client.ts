import { CliError, ExitCode } from './exit-codes';

export interface ApiSettings {
  apiUrl: string;
  apiKey: string;
}

type Query = Record<string, string | number | boolean | undefined>;

/** The admin API over fetch, with the key in `x-api-key`; an error answer becomes a CliError with its code. */
export class AdminApi {
  private readonly base: string;

  constructor(private readonly settings: ApiSettings) {
    this.base = settings.apiUrl.replace(/\/+$/, '');
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>('GET', path, { query });
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, { body });
  }

  delete<T = void>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  async request<T>(method: string, path: string, o: { query?: Query; body?: unknown } = {}): Promise<T> {
    const url = new URL(`${this.base}${path}`);
    for (const [k, v] of Object.entries(o.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    let res: Response;
    try {
      res = await fetch(url, {
        method,
        headers: { 'x-api-key': this.settings.apiKey, ...(o.body === undefined ? {} : { 'content-type': 'application/json' }) },
        body: o.body === undefined ? undefined : JSON.stringify(o.body),
        signal: AbortSignal.timeout(120_000),
      });
    } catch (e) {
      throw new CliError(ExitCode.FAILURE, 'API_UNREACHABLE', `cannot reach the admin API at ${this.base}: ${unreachableReason(e, url)}`);
    }
    const text = await res.text();
    let body: unknown;
    let json = true;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
      json = false;
    }
    if (!res.ok) {
      const err = (body && typeof body === 'object' ? body : {}) as { code?: string; message?: string; details?: unknown };
      throw new CliError(ExitCode.FAILURE, err.code ?? `HTTP_${res.status}`, `${method} ${path}: ${res.status} ${err.message ?? res.statusText}${hintFor(res.status, err.code)}`, err.details);
    }
    // Something else answered (a proxy's login page, another web server on that port): say so, rather than print
    // its page as a result or fail on it later with a stack trace.
    if (!json) {
      throw new CliError(
        ExitCode.FAILURE,
        'NOT_THE_ADMIN_API',
        `${method} ${path}: ${res.status} answered ${res.headers.get('content-type') ?? 'something'}, not JSON: is --api-url / ROSTER_API_URL (${this.base}) the admin API?`,
      );
    }
    return body as T;
  }
}

/** What an operator can act on when a status is refused: which setting holds the key, or where the URL is wrong. */
function hintFor(status: number, code: string | undefined): string {
  // A refused key is the likeliest mistake at a terminal: say which setting holds it (never the key itself).
  if (status === 401) return ' (the key from --api-key / ROSTER_API_KEY was refused)';
  // The admin API answers every route it has with its own codes; a bare 404 is a route it does not have.
  if (status === 404 && (code === undefined || code === 'HTTP_404')) {
    return ' (no such route: --api-url / ROSTER_API_URL is the base URL of the admin API, e.g. http://localhost:3000, without /v1)';
  }
  return '';
}

/** fetch's reason for not getting an answer, in words: its causes are terse codes (ECONNREFUSED, "bad port", HPE_…). */
function unreachableReason(e: unknown, url: URL): string {
  const cause = (e as { cause?: { code?: string; message?: string } }).cause;
  const reason = cause?.code ?? cause?.message ?? (e as Error).message;
  if (reason === 'bad port') return `port ${url.port} is one fetch never connects to (a blocked port, like 1, 9 or 6000); the admin API listens elsewhere`;
  if (reason.startsWith('HPE_')) return `what answered is not an HTTP server (${reason}): is the port the admin API's?`;
  return reason;
}
