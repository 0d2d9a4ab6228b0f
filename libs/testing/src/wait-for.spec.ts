import { waitFor } from './wait-for';

describe('waitFor', () => {
  it('resolves with the first value that is not undefined, null or false', async () => {
    let calls = 0;
    const value = await waitFor(async () => (++calls < 3 ? (calls === 1 ? null : false) : { calls }), { intervalMs: 5 });
    expect(value).toEqual({ calls: 3 });
  });

  it('treats a throwing probe as not ready yet', async () => {
    let calls = 0;
    await expect(
      waitFor(
        () => {
          if (++calls < 3) throw new Error('connection refused');
          return 'up';
        },
        { intervalMs: 5 },
      ),
    ).resolves.toBe('up');
  });

  it('rejects at the deadline with the description and the last error', async () => {
    await expect(
      waitFor(
        async () => {
          throw new Error('connection refused');
        },
        { timeoutMs: 100, intervalMs: 10, description: 'the reconciler to apply run 42' },
      ),
    ).rejects.toThrow(/Timed out after 100 ms .* waiting for the reconciler to apply run 42; last error: connection refused/);
  });

  it('rejects at the deadline with the last value, and does not wait past it for a hanging probe', async () => {
    const started = Date.now();
    await expect(waitFor(() => false, { timeoutMs: 80, intervalMs: 10, description: 'x' })).rejects.toThrow(/last value: false/);
    await expect(waitFor(() => new Promise<never>(() => undefined), { timeoutMs: 80 })).rejects.toThrow(/still pending/);
    expect(Date.now() - started).toBeLessThan(1000);
  });
});
