import type { INestApplicationContext } from '@nestjs/common';
import { installShutdown } from '../index';

describe('installShutdown', () => {
  const logger = { info: jest.fn(), error: jest.fn() };
  const app = { enableShutdownHooks: jest.fn() } as unknown as INestApplicationContext & {
    enableShutdownHooks: jest.Mock;
  };
  let uninstall: (() => void) | undefined;

  afterEach(() => {
    uninstall?.();
    jest.restoreAllMocks();
    jest.useRealTimers();
  });

  it('enables Nest shutdown hooks for SIGTERM and SIGINT with process.exit', () => {
    uninstall = installShutdown(app, logger);
    expect(app.enableShutdownHooks).toHaveBeenCalledWith(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  });

  it('logs the signal and forces an exit when draining takes too long', () => {
    jest.useFakeTimers();
    const exit = jest.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    uninstall = installShutdown(app, logger, { signals: ['SIGUSR2'], forceExitAfterMs: 1000 });

    process.emit('SIGUSR2', 'SIGUSR2');
    expect(logger.info).toHaveBeenCalledWith({ signal: 'SIGUSR2', forceExitAfterMs: 1000 }, expect.stringMatching(/shutdown signal/));
    expect(exit).not.toHaveBeenCalled();

    jest.advanceTimersByTime(1000);
    expect(logger.error).toHaveBeenCalledWith(expect.objectContaining({ signal: 'SIGUSR2' }), expect.stringMatching(/in time/));
    expect(exit).toHaveBeenCalledWith(1);
  });

  it('exits at once on a second signal', () => {
    const exit = jest.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    uninstall = installShutdown(app, logger, { signals: ['SIGUSR2'] });
    process.emit('SIGUSR2', 'SIGUSR2');
    process.emit('SIGUSR2', 'SIGUSR2');
    expect(exit).toHaveBeenCalledWith(1);
  });
});
