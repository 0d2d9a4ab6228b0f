import { type ArgumentsHost, BadRequestException, NotFoundException, ServiceUnavailableException } from '@nestjs/common';
import { AdminApiExceptionFilter } from './directory-config.exception';

/** The filter on its own, with the response it writes to, for a request to `url`. */
function answer(exception: unknown, { method = 'GET', url = '/v1/tenants' }: { method?: string; url?: string } = {}): { status?: number; body?: unknown; thrown?: unknown } {
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
  const host = { getType: () => 'http', switchToHttp: () => ({ getResponse: () => res, getRequest: () => ({ method, originalUrl: url, path: url.split('?')[0] }) }) } as unknown as ArgumentsHost;
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

  it('answers a route the API does not have 404 { code, message }, outside /v1 too, naming the path without its query', () => {
    for (const url of ['/nothing?token=secret', '/v1/nothing?token=secret', '/health/nothing?token=secret']) {
      // What Nest's not-found handler throws: the method and the whole URL.
      const notFound = new NotFoundException(`Cannot POST ${url}`);
      expect(answer(notFound, { method: 'POST', url })).toEqual({ status: 404, body: { code: 'HTTP_404', message: `Cannot POST ${url.split('?')[0]}` } });
    }
  });

  it('answers an HTTP error outside /v1 in the same shape, but keeps the readiness report of what is down', () => {
    expect(answer(new BadRequestException('Unexpected end of JSON input'), { method: 'POST', url: '/console/' })).toEqual({
      status: 400,
      body: { code: 'HTTP_400', message: 'Unexpected end of JSON input' },
    });
    const report = { status: 'error', details: { nats: { status: 'down', message: 'connection closed' } } };
    expect(answer(new ServiceUnavailableException(report), { url: '/health/ready' })).toEqual({ status: 503, body: report });
  });

  it('keeps a 500 (and rethrows, for the log) for an error that is not the client’s', () => {
    const bug = new Error('boom');
    expect(answer(bug)).toEqual({ status: 500, body: { code: 'INTERNAL', message: 'internal error; see the service log' }, thrown: bug });
    // A status without `expose` (a server-side http-error) is not the client's either.
    expect(answer(Object.assign(new Error('upstream'), { status: 400 })).status).toBe(500);
  });
});
