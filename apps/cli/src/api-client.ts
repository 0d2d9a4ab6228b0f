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
      const cause = (e as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(ExitCode.FAILURE, 'API_UNREACHABLE', `cannot reach the admin API at ${this.base}: ${cause?.code ?? cause?.message ?? (e as Error).message}`);
    }
    const text = await res.text();
    let body: unknown;
    try {
      body = text ? JSON.parse(text) : undefined;
    } catch {
      body = text;
    }
    if (!res.ok) {
      const err = (body && typeof body === 'object' ? body : {}) as { code?: string; message?: string; details?: unknown };
      // A refused key is the likeliest mistake at a terminal: say which setting holds it (never the key itself).
      const hint = res.status === 401 ? ' (the key from --api-key / ROSTER_API_KEY was refused)' : '';
      throw new CliError(ExitCode.FAILURE, err.code ?? `HTTP_${res.status}`, `${method} ${path}: ${res.status} ${err.message ?? res.statusText}${hint}`, err.details);
    }
    return body as T;
  }
}
