import { ApiError, errorOf, fieldErrorsOf, sentence, sseEvents } from './client';

describe('admin console API errors (issue 9)', () => {
  it('keeps the API sentence and code; a body of another shape still gives a sentence', () => {
    const e = errorOf(409, { code: 'RUN_IN_PROGRESS', message: 'directory d already has a run in progress (r, fetching); start another when it ends' });
    expect(e).toMatchObject({ status: 409, code: 'RUN_IN_PROGRESS', message: 'Directory d already has a run in progress (r, fetching); start another when it ends.' });
    expect(errorOf(502, '<html>bad gateway</html>')).toMatchObject({ code: 'HTTP_502', message: 'The admin API answered 502 without an explanation.' });
    expect(errorOf(429, { code: 'RATE_LIMITED', message: 'too many requests; retry in 3 s' }, '3').message).toBe('Too many requests; retry in 3 s. Try again in 3 s.');
    expect(sentence('done.')).toBe('Done.');
  });

  it('puts validation issues and unknown recipients on their fields', () => {
    const validation = new ApiError(400, 'VALIDATION_FAILED', 'x', [
      { path: 'sftp.port', message: 'Invalid input: expected number, received string' },
      { path: 'sftp.port', message: 'second' },
      { path: '', message: 'body problem' },
    ]);
    expect(fieldErrorsOf(validation)).toEqual({
      'sftp.port': ['Invalid input: expected number, received string.', 'Second.'],
      body: ['Body problem.'],
    });
    const recipients = new ApiError(400, 'RECIPIENT_NOT_A_USER', 'Recipients must be users of the tenant; not users: x@y.test.', { unknown: ['x@y.test'] });
    expect(fieldErrorsOf(recipients)).toEqual({ recipients: ['Recipients must be users of the tenant; not users: x@y.test.'] });
    expect(fieldErrorsOf(new ApiError(409, 'RUN_IN_PROGRESS', 'busy'))).toEqual({});
  });
});

describe('server-sent events of the run stream (issue 9)', () => {
  it('splits events across chunk boundaries, ignores comments and retry lines, decodes JSON data', () => {
    const parser = sseEvents();
    expect(parser.push('retry: 2000\nevent: run\ndata: {"status":"fet')).toEqual([]);
    expect(parser.push('ching"}\n\n: keep-alive\n\nevent: run\r\ndata: {"status":"succeeded"}\r\n\r\nevent: end\ndata: {}\n\n')).toEqual([
      { event: 'run', data: { status: 'fetching' } },
      { event: 'run', data: { status: 'succeeded' } },
      { event: 'end', data: {} },
    ]);
  });
});
