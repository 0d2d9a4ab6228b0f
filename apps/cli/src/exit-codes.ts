/** What `roster` exits with; scripts rely on these numbers, so they never change meaning. */
export const ExitCode = {
  /** The command did what was asked (a followed run succeeded). */
  OK: 0,
  /**
   * The command could not do it: the API refused (4xx/5xx), could not be reached, following a run or an export
   * outlived `--timeout` (the work goes on), or a bulk action partly failed.
   */
  FAILURE: 1,
  /** Bad usage: unknown command or option, a missing argument, no API URL or key. */
  USAGE: 2,
  /** The work ran and ended failed: a followed run or export failed, a connection test answered not ok. */
  RUN_FAILED: 3,
  /** A followed run ended partially-succeeded (some rows had problems). */
  RUN_PARTIAL: 4,
  /** A followed run stopped in awaiting-approval (R-SAFE-01): approve or reject it with `roster runs approve|reject`. */
  AWAITING_APPROVAL: 5,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** An error that ends the command with a given exit code and a stable code for `--json` output. */
export class CliError extends Error {
  constructor(
    readonly exitCode: ExitCode,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export const usageError = (message: string) => new CliError(ExitCode.USAGE, 'USAGE', message);
