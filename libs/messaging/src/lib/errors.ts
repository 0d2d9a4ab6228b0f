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
