import { IntervalLoop } from './interval-loop';

/** A run that ends when the test says so. */
function pending(): { done: Promise<void>; finish: () => void } {
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  return { done, finish };
}

/** The loop under the scheduler's ticks (R-DIR-04) and the inbound inbox pruning (R-EVT-02), on a fake clock. */
describe('IntervalLoop', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('runs once at start and then every interval', async () => {
    const work = jest.fn(() => Promise.resolve());
    const loop = new IntervalLoop(work, () => undefined);
    loop.start(1000);
    await jest.advanceTimersByTimeAsync(0);
    expect(work).toHaveBeenCalledTimes(1);
    await jest.advanceTimersByTimeAsync(3000);
    expect(work).toHaveBeenCalledTimes(4);
    await loop.stop();
    await jest.advanceTimersByTimeAsync(5000);
    expect(work).toHaveBeenCalledTimes(4);
  });

  it('does not stack a run on one still going, and stop waits for it', async () => {
    const slow = pending();
    const work = jest.fn(() => slow.done);
    const loop = new IntervalLoop(work, () => undefined);
    loop.start(1000);
    await jest.advanceTimersByTimeAsync(5000);
    expect(work).toHaveBeenCalledTimes(1);

    let stopped = false;
    const stopping = loop.stop().then(() => (stopped = true));
    await jest.advanceTimersByTimeAsync(0);
    expect(stopped).toBe(false);
    slow.finish();
    await stopping;
    expect(stopped).toBe(true);
  });

  it('reports a failed run and runs again at the next interval', async () => {
    const errors: unknown[] = [];
    const work = jest.fn().mockRejectedValueOnce(new Error('database unreachable')).mockResolvedValue(undefined);
    const loop = new IntervalLoop(work, (error) => errors.push(error));
    loop.start(1000);
    await jest.advanceTimersByTimeAsync(0);
    expect(errors).toEqual([new Error('database unreachable')]);
    await jest.advanceTimersByTimeAsync(1000);
    expect(work).toHaveBeenCalledTimes(2);
    expect(errors).toHaveLength(1);
    await loop.stop();
  });
});
