import type { ErrorBody } from './types';

/** An answer of the admin API that is not a success, or no answer at all (`NETWORK`). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** One field's validation messages, keyed by the dotted path the API reports (`sftp.host`, `hris.pageSize`). */
  fieldErrors(): Record<string, string[]> {
    return fieldErrorsOf(this);
  }
}

export type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export interface ApiClientOptions {
  /** The key sent as `x-api-key` on every request. */
  apiKey: () => string | null;
  /** Called on 401 (the key was revoked or is wrong): the console signs out. */
  onUnauthenticated?: (error: ApiError) => void;
  fetch?: Fetch;
  /** Origin of the admin API; the console is served by it, so the default is the page's own. */
  baseUrl?: string;
}

/**
 * The console's only way to the server: the admin API with the admin's key. Errors keep the API's own
 * `{ code, message, details }` so a page can show the sentence and the code (for support).
 */
export class ApiClient {
  constructor(private readonly options: ApiClientOptions) {}

  get<T>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>('POST', path, body);
  }

  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>('PATCH', path, body);
  }

  delete<T>(path: string): Promise<T> {
    return this.request<T>('DELETE', path);
  }

  /**
   * Follows a server-sent event stream of the API (with the key in a header, which EventSource cannot send) until
   * it ends or `signal` aborts; resolves when the server closes it, rejects with an ApiError when it refuses.
   */
  async stream(path: string, onEvent: (e: StreamEvent) => void, signal: AbortSignal): Promise<void> {
    const doFetch = this.options.fetch ?? ((input, init) => fetch(input, init));
    const apiKey = this.options.apiKey();
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (apiKey) headers['x-api-key'] = apiKey;
    const res = await doFetch(`${this.options.baseUrl ?? ''}${path}`, { method: 'GET', headers, credentials: 'omit', cache: 'no-store', signal });
    if (!res.ok || !res.body) throw errorOf(res.status, parseJson(await res.text()), res.headers.get('retry-after'));
    const reader = res.body.getReader();
    const decoder = new TextDecoder();
    const parser = sseEvents();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      for (const e of parser.push(decoder.decode(value, { stream: true }))) onEvent(e);
    }
  }

  async request<T>(method: string, path: string, body?: unknown, apiKey = this.options.apiKey()): Promise<T> {
    const doFetch = this.options.fetch ?? ((input, init) => fetch(input, init));
    const headers: Record<string, string> = { accept: 'application/json' };
    if (apiKey) headers['x-api-key'] = apiKey;
    if (body !== undefined) headers['content-type'] = 'application/json';
    let res: Response;
    try {
      res = await doFetch(`${this.options.baseUrl ?? ''}${path}`, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: 'omit',
        cache: 'no-store',
      });
    } catch (e) {
      throw new ApiError(0, 'NETWORK', `The admin API could not be reached (${(e as Error).message}). Check the connection and try again.`);
    }
    const text = await res.text();
    const parsed = parseJson(text);
    if (res.ok) return parsed as T;
    const error = errorOf(res.status, parsed, res.headers.get('retry-after'));
    // Only the session's own key signs the admin out (a key being tried on the sign-in page does not).
    if (res.status === 401 && apiKey === this.options.apiKey()) this.options.onUnauthenticated?.(error);
    throw error;
  }
}

/** One server-sent event: its name and its data (JSON-decoded). */
export interface StreamEvent {
  event: string;
  data: unknown;
}

/** Splits a text/event-stream body into events as it arrives (comments and retry lines ignored). */
export function sseEvents(): { push: (chunk: string) => StreamEvent[] } {
  let buffer = '';
  return {
    push(chunk) {
      buffer += chunk.replace(/\r\n/g, '\n');
      const out: StreamEvent[] = [];
      for (let cut = buffer.indexOf('\n\n'); cut >= 0; cut = buffer.indexOf('\n\n')) {
        const block = buffer.slice(0, cut);
        buffer = buffer.slice(cut + 2);
        let event = 'message';
        const data: string[] = [];
        for (const line of block.split('\n')) {
          if (line.startsWith('event:')) event = line.slice(6).trim();
          else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
        }
        if (data.length > 0) out.push({ event, data: parseJson(data.join('\n')) });
      }
      return out;
    },
  };
}

function parseJson(text: string): unknown {
  if (!text) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function isErrorBody(value: unknown): value is ErrorBody {
  return typeof value === 'object' && value !== null && typeof (value as ErrorBody).code === 'string' && typeof (value as ErrorBody).message === 'string';
}

/** The API's error as an ApiError; a body in another shape (a proxy's page) still gives a sentence. */
export function errorOf(status: number, body: unknown, retryAfter?: string | null): ApiError {
  if (isErrorBody(body)) {
    const wait = status === 429 && retryAfter ? ` Try again in ${retryAfter} s.` : '';
    return new ApiError(status, body.code, `${sentence(body.message)}${wait}`, body.details);
  }
  return new ApiError(status, `HTTP_${status}`, `The admin API answered ${status} without an explanation.`);
}

/** The API's messages are lower-case clauses ("directory … is disabled; enable it …"); shown as a sentence. */
export function sentence(message: string): string {
  const trimmed = message.trim();
  if (!trimmed) return trimmed;
  const first = trimmed[0].toUpperCase() + trimmed.slice(1);
  return /[.!?)]$/.test(first) ? first : `${first}.`;
}

/**
 * Field messages from an error: VALIDATION_FAILED lists `{ path, message }` per issue; RECIPIENT_NOT_A_USER names
 * the addresses that are not users of the tenant. Anything else belongs to no field (the page's summary shows it).
 */
export function fieldErrorsOf(error: ApiError): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  const add = (path: string, message: string) => (out[path] ??= []).push(sentence(message));
  if (error.code === 'VALIDATION_FAILED' && Array.isArray(error.details)) {
    for (const issue of error.details as { path?: unknown; message?: unknown }[]) {
      if (typeof issue?.message !== 'string') continue;
      add(typeof issue.path === 'string' && issue.path ? issue.path : 'body', issue.message);
    }
  } else if (error.code === 'RECIPIENT_NOT_A_USER') {
    add('recipients', error.message);
  }
  return out;
}
