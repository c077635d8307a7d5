/** PagerDuty's error codes met in practice (CONTRACT.md). */
export const PD_CODE_INVALID_INPUT = 2001;
export const PD_CODE_ARGUMENTS_CAUSED_ERROR = 2002;
export const PD_CODE_RATE_LIMITED = 2020;

/**
 * An answer of the PagerDuty API that is not a success: carries the status, PagerDuty's error
 * code, the method and the path (never the query's secrets, never the token).
 */
export class PagerDutyApiError extends Error {
  constructor(
    readonly status: number,
    readonly pdCode: number | undefined,
    readonly method: string,
    readonly path: string,
    detail: string,
  ) {
    super(
      `PagerDuty ${method} ${path} answered ${status}${pdCode === undefined ? '' : ` (code ${pdCode})`}: ${detail}`,
    );
    this.name = 'PagerDutyApiError';
  }

  /** 401: the token is unknown or malformed. */
  get isUnauthorized(): boolean {
    return this.status === 401;
  }
}

/** The request never got a complete answer (network error, timeout, truncated body), after retries. */
export class PagerDutyNetworkError extends Error {
  constructor(
    readonly method: string,
    readonly path: string,
    detail: string,
  ) {
    super(`PagerDuty ${method} ${path} failed: ${detail}`);
    this.name = 'PagerDutyNetworkError';
  }
}

/**
 * A one-second window still holds 10,000 or more records: PagerDuty cannot page past that, and
 * no narrower window exists. Raised rather than returning a truncated result.
 */
export class PagerDutyCeilingError extends Error {
  constructor(path: string, since: string, until: string, total: number) {
    super(
      `PagerDuty ${path}: ${total} records between ${since} and ${until}; cannot narrow below the 10,000-record ceiling`,
    );
    this.name = 'PagerDutyCeilingError';
  }
}

/** The read was aborted through its AbortSignal. */
export class PagerDutyAbortError extends Error {
  constructor(method: string, path: string) {
    super(`PagerDuty ${method} ${path} aborted`);
    this.name = 'AbortError';
  }
}
