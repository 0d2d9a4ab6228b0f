import type { ArgumentsHost } from '@nestjs/common';
import { AdminApiExceptionFilter } from './directory-config.exception';

/** The filter on its own, with the response it writes to. */
function answer(exception: unknown): { status?: number; body?: unknown; thrown?: unknown } {
  const out: { status?: number; body?: unknown; thrown?: unknown } = {};
  const res = {
    status(code: number) {
      out.status = code;
      return res;
    },
    json(body: unknown) {
      out.body = body;
      return res;
    },
  };
  const host = { getType: () => 'http', switchToHttp: () => ({ getResponse: () => res, getRequest: () => ({ path: '/v1/tenants' }) }) } as unknown as ArgumentsHost;
  try {
    new AdminApiExceptionFilter().catch(exception, host);
  } catch (e) {
    out.thrown = e;
  }
  return out;
}

/** What Express's body parser raises (http-errors): a client error with a status and `expose`. */
const bodyParserError = (status: number, message: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(message), { status, statusCode: status, expose: true, ...extra });

describe('AdminApiExceptionFilter (R-SAFE-02)', () => {
  it('answers a body over the size limit 413 with the sizes, not a 500', () => {
    const tooLarge = bodyParserError(413, 'request entity too large', { type: 'entity.too.large', length: 140_036, limit: 102_400 });
    expect(answer(tooLarge)).toEqual({ status: 413, body: { code: 'HTTP_413', message: 'request body too large: 140036 bytes, at most 102400 are accepted' } });
  });

  it('answers another body parser refusal with its status and message', () => {
    expect(answer(bodyParserError(415, 'unsupported charset "LATIN-9"'))).toEqual({ status: 415, body: { code: 'HTTP_415', message: 'unsupported charset "LATIN-9"' } });
  });

  it('keeps a 500 (and rethrows, for the log) for an error that is not the client’s', () => {
    const bug = new Error('boom');
    expect(answer(bug)).toEqual({ status: 500, body: { code: 'INTERNAL', message: 'internal error; see the service log' }, thrown: bug });
    // A status without `expose` (a server-side http-error) is not the client's either.
    expect(answer(Object.assign(new Error('upstream'), { status: 400 })).status).toBe(500);
  });
});
