/** Why a connector could not talk to its provider; each code has one outcome (test reply, run failure, retry). */
export enum ConnectorExceptionCode {
  /** The bridge/provider API key is missing or refused (401). */
  BAD_API_KEY = 'BAD_API_KEY',
  /** The linked account's token is refused (403). */
  BAD_ACCOUNT_TOKEN = 'BAD_ACCOUNT_TOKEN',
  /** The base URL is not allowed (scheme, credentials, internal address: SSRF guard). */
  BAD_BASE_URL = 'BAD_BASE_URL',
  /** DNS, refused, timeout, TLS, or a 5xx that outlasted the retries. */
  UNREACHABLE = 'UNREACHABLE',
  /** 429s that outlasted the retries. */
  RATE_LIMITED = 'RATE_LIMITED',
  /** The provider answered a page with something else (a broken cursor, a 4xx, a redirect). */
  PAGE_FAILED = 'PAGE_FAILED',
  /** No connector for the directory's provider, or it is not configured on this gateway. */
  NOT_CONFIGURED = 'NOT_CONFIGURED',
}

export class ConnectorException extends Error {
  constructor(
    readonly code: ConnectorExceptionCode,
    message: string,
    /** Worth another try of the same request (429, 5xx, network). */
    readonly retryable = false,
    /** Retry-After of the answer, in ms, when it had one. */
    readonly retryAfterMs?: number,
  ) {
    super(message);
    this.name = 'ConnectorException';
  }
}
