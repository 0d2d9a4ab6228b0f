import { ArgumentsHost, Catch, ExceptionFilter, HttpException, NotFoundException } from '@nestjs/common';
import type { Request, Response } from 'express';
import { ZodError } from 'zod';

export enum DirectoryConfigExceptionCode {
  VALIDATION_FAILED = 'VALIDATION_FAILED',
  TENANT_NOT_FOUND = 'TENANT_NOT_FOUND',
  DIRECTORY_NOT_FOUND = 'DIRECTORY_NOT_FOUND',
  DIRECTORY_DISABLED = 'DIRECTORY_DISABLED',
  RUN_NOT_FOUND = 'RUN_NOT_FOUND',
  RUN_IN_PROGRESS = 'RUN_IN_PROGRESS',
  /** R-SAFE-01: approve/reject of a run that is not awaiting approval, or was already decided. */
  RUN_NOT_AWAITING_APPROVAL = 'RUN_NOT_AWAITING_APPROVAL',
  /** R-EVT-02: an event directory has no source to fetch; its runs start from the events services publish. */
  DIRECTORY_HAS_NO_SOURCE = 'DIRECTORY_HAS_NO_SOURCE',
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  /** R-SEC-02: the key may not use this route (another tenant's, operator-wide, or a write with a read-only key). */
  FORBIDDEN = 'FORBIDDEN',
  /** R-SEC-02: the key (or, for failed authentication, the client address) is over its rate limit. */
  RATE_LIMITED = 'RATE_LIMITED',
  API_KEY_NOT_FOUND = 'API_KEY_NOT_FOUND',
  /** R-NOT-02: a recipient is not a user of the tenant. */
  RECIPIENT_NOT_A_USER = 'RECIPIENT_NOT_A_USER',
  /** file-ingest did not answer a test connection (down or overloaded). */
  SOURCE_UNAVAILABLE = 'SOURCE_UNAVAILABLE',
  /** The reconciler did not answer a directory query. */
  DIRECTORY_QUERY_UNAVAILABLE = 'DIRECTORY_QUERY_UNAVAILABLE',
  /** R-OPS-02: no such dead letter (of this tenant); also one already redriven or discarded. */
  DEAD_LETTER_NOT_FOUND = 'DEAD_LETTER_NOT_FOUND',
  /** R-OPS-02: a dead letter without its original subject and stream cannot be re-published. */
  DEAD_LETTER_NOT_REDRIVABLE = 'DEAD_LETTER_NOT_REDRIVABLE',
  /** R-OPS-01: a re-run of a run that is not finished, or whose fetch delivered nothing applicable. */
  RUN_NOT_RERUNNABLE = 'RUN_NOT_RERUNNABLE',
  /** R-OPS-01: the run's source records are no longer retained in ROSTER_RECORDS (stream max age). */
  RUN_RECORDS_NOT_RETAINED = 'RUN_RECORDS_NOT_RETAINED',
  /** R-SEC-01: the tenant's data key is wrapped under a master key this service does not hold (configuration). */
  SECRET_UNAVAILABLE = 'SECRET_UNAVAILABLE',
  /** R-OPS-01: no such replay consumer (of this tenant). */
  REPLAY_NOT_FOUND = 'REPLAY_NOT_FOUND',
  /** R-OPS-01: a consumer of that name exists with other parameters (or is not a replay consumer). */
  REPLAY_CONFLICT = 'REPLAY_CONFLICT',
  /** No such user in the tenant. */
  USER_NOT_FOUND = 'USER_NOT_FOUND',
  /** R-API-07: the user's personal data is already erased. */
  USER_ALREADY_ANONYMIZED = 'USER_ALREADY_ANONYMIZED',
  /** R-API-05: only an inactive user can be activated (not an active, deleted or anonymized one). */
  USER_NOT_INACTIVE = 'USER_NOT_INACTIVE',
  /** R-EXP-01: no such export (of this tenant). */
  EXPORT_NOT_FOUND = 'EXPORT_NOT_FOUND',
}

const STATUS: Record<DirectoryConfigExceptionCode, number> = {
  VALIDATION_FAILED: 400,
  TENANT_NOT_FOUND: 404,
  DIRECTORY_NOT_FOUND: 404,
  DIRECTORY_DISABLED: 409,
  RUN_NOT_FOUND: 404,
  RUN_IN_PROGRESS: 409,
  RUN_NOT_AWAITING_APPROVAL: 409,
  DIRECTORY_HAS_NO_SOURCE: 409,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  RATE_LIMITED: 429,
  API_KEY_NOT_FOUND: 404,
  RECIPIENT_NOT_A_USER: 400,
  SOURCE_UNAVAILABLE: 503,
  DIRECTORY_QUERY_UNAVAILABLE: 503,
  DEAD_LETTER_NOT_FOUND: 404,
  DEAD_LETTER_NOT_REDRIVABLE: 409,
  RUN_NOT_RERUNNABLE: 409,
  RUN_RECORDS_NOT_RETAINED: 410,
  SECRET_UNAVAILABLE: 503,
  REPLAY_NOT_FOUND: 404,
  REPLAY_CONFLICT: 409,
  USER_NOT_FOUND: 404,
  USER_ALREADY_ANONYMIZED: 409,
  USER_NOT_INACTIVE: 409,
  EXPORT_NOT_FOUND: 404,
};

export class DirectoryConfigException extends Error {
  constructor(
    readonly code: DirectoryConfigExceptionCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'DirectoryConfigException';
  }
}

/**
 * A client error Express's body parser raises (an `http-errors` object: a body over the size limit is 413, an
 * unsupported charset or encoding 415); Nest turns only its JSON syntax errors into an HttpException.
 */
interface BodyParserError extends Error {
  status: number;
  expose: true;
  type?: string;
  length?: number;
  limit?: number;
}

const isBodyParserError = (e: unknown): e is BodyParserError => {
  const status = (e as { status?: unknown } | null)?.status;
  return e instanceof Error && (e as { expose?: unknown }).expose === true && typeof status === 'number' && status >= 400 && status < 500;
};

const bodyParserMessage = (e: BodyParserError) =>
  e.type === 'entity.too.large' ? `request body too large: ${e.length ?? 'over'} bytes, at most ${e.limit} are accepted` : e.message;

/** The request's path, without its query (or a fragment a raw client sent). */
const pathOf = (req: Request) => req.originalUrl.split(/[?#]/, 1)[0] ?? '';

/** What Nest's not-found handler throws for a request no route matches: `Cannot <method> <url>`, query and all. */
const isUnknownRoute = (e: unknown, req: Request) => e instanceof NotFoundException && e.message === `Cannot ${req.method} ${req.originalUrl}`;

/**
 * Maps codes to HTTP: `{ code, message, details? }`, the same shape for every error of the admin API, and for a
 * route it does not have (inside /v1 or not, with a key or without).
 */
@Catch()
export class AdminApiExceptionFilter implements ExceptionFilter {
  catch(exception: unknown, host: ArgumentsHost): void {
    // Also the app-wide filter (a body that is not JSON fails before any route): event handlers keep their own.
    if (host.getType() !== 'http') throw exception;
    const res = host.switchToHttp().getResponse<Response>();
    if (exception instanceof DirectoryConfigException) {
      res.status(STATUS[exception.code]).json({ code: exception.code, message: exception.message, details: exception.details });
    } else if (exception instanceof ZodError) {
      res.status(400).json({
        code: DirectoryConfigExceptionCode.VALIDATION_FAILED,
        message: exception.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; '),
        details: exception.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      });
    } else if (isUnknownRoute(exception, host.switchToHttp().getRequest<Request>())) {
      // Nest's own sentence names the URL with its query, where a token may be: the path only.
      const req = host.switchToHttp().getRequest<Request>();
      res.status(404).json({ code: 'HTTP_404', message: `Cannot ${req.method} ${pathOf(req)}` });
    } else if (exception instanceof HttpException && pathOf(host.switchToHttp().getRequest<Request>()).startsWith('/health/')) {
      // The readiness probe keeps Nest's answer: its report of what is down.
      res.status(exception.getStatus()).json(exception.getResponse());
    } else if (exception instanceof HttpException) {
      res.status(exception.getStatus()).json({ code: `HTTP_${exception.getStatus()}`, message: exception.message });
    } else if (isBodyParserError(exception)) {
      // R-SAFE-02: the client's mistake, refused with the reason, not a 500.
      res.status(exception.status).json({ code: `HTTP_${exception.status}`, message: bodyParserMessage(exception) });
    } else {
      res.status(500).json({ code: 'INTERNAL', message: 'internal error; see the service log' });
      throw exception;
    }
  }
}
