/** Thrown by a handler for input that will never succeed: dead-lettered at once, no retries. */
export class PermanentError extends Error {
  constructor(
    message: string,
    readonly code = 'PERMANENT',
  ) {
    super(message);
    this.name = 'PermanentError';
  }
}

/** Thrown by a handler that cannot act yet (e.g. a run's batches are still arriving): redelivered later. */
export class RetryLaterError extends Error {
  constructor(
    message: string,
    readonly delayMs: number,
  ) {
    super(message);
    this.name = 'RetryLaterError';
  }
}

/**
 * Whether the transport gives up on a message whose handler fails with `error`: a `PermanentError` on any delivery,
 * anything on the last delivery it allows (`JetStreamContext.lastDelivery`). The message is then dead-lettered, not
 * delivered again, so a handler keeping its own record of the work (a run, a mail's log) closes it first.
 */
export function isFinalFailure(error: unknown, lastDelivery: boolean): boolean {
  return error instanceof PermanentError || lastDelivery;
}

/**
 * The failure a run records when a service gives up on its message (a `PermanentError`, or the last delivery the
 * transport allows): the error's code (`PermanentError`), `incompleteCode` for a `RetryLaterError` (what it waited
 * for never came), else `code`; the message says who gave up after how many deliveries and why, that nothing of the
 * run was applied, and `next` — what to do once the cause is fixed.
 */
export function gaveUpFailure(
  who: string,
  error: unknown,
  deliveries: number,
  o: { code: string; incompleteCode?: string; next: string },
): { code: string; message: string } {
  const reason = error instanceof Error ? error.message : String(error);
  const code = error instanceof PermanentError ? error.code : error instanceof RetryLaterError ? (o.incompleteCode ?? o.code) : o.code;
  const times = `${deliveries} ${deliveries === 1 ? 'delivery' : 'deliveries'}`;
  return { code, message: `${who} gave up on the run after ${times}: ${reason}. Nothing of it was applied; ${o.next}` };
}
