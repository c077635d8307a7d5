import { abortableSleep } from './sleep.js';

export interface PacerOptions {
  /** Request starts allowed per minute for the token (PagerDuty allows 960). */
  requestsPerMinute: number;
  /** Requests in flight at once. */
  concurrency: number;
  /** Requests that may start back to back before pacing applies. */
  burst?: number;
  now?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * One request budget per PagerDuty token, shared by every caller of the client: a GCRA rate
 * limiter (smooth pacing with a small burst), a concurrency limit, and a shared pause so that a
 * 429 seen by one caller holds back all of them until the rate-limit window resets.
 */
export class RequestPacer {
  readonly #intervalMs: number;
  readonly #toleranceMs: number;
  readonly #concurrency: number;
  readonly #now: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  #theoreticalArrival = 0;
  #pausedUntil = 0;
  #inFlight = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(options: PacerOptions) {
    if (!(options.requestsPerMinute > 0))
      throw new RangeError('requestsPerMinute must be positive');
    if (!(options.concurrency >= 1)) throw new RangeError('concurrency must be at least 1');
    this.#intervalMs = 60_000 / options.requestsPerMinute;
    this.#toleranceMs = this.#intervalMs * Math.max(0, (options.burst ?? 1) - 1);
    this.#concurrency = Math.floor(options.concurrency);
    this.#now = options.now ?? Date.now;
    this.#sleep = options.sleep ?? abortableSleep;
  }

  /** Waits for a concurrency slot and a rate slot; call release() when the request is done. */
  async acquire(signal?: AbortSignal): Promise<() => void> {
    await this.#takeSlot(signal);
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.#inFlight -= 1;
      this.#waiting.shift()?.();
    };
    try {
      for (;;) {
        const now = this.#now();
        if (this.#pausedUntil > now) {
          await this.#sleep(this.#pausedUntil - now, signal);
          continue;
        }
        // Reserve the next start time synchronously so concurrent callers queue in order.
        const tat = Math.max(this.#theoreticalArrival, now);
        const wait = tat - this.#toleranceMs - now;
        this.#theoreticalArrival = tat + this.#intervalMs;
        if (wait > 0) await this.#sleep(wait, signal);
        if (this.#pausedUntil > this.#now()) continue;
        return release;
      }
    } catch (error) {
      release();
      throw error;
    }
  }

  /** Holds every caller back until `untilMs` (a 429's ratelimit-reset). */
  pauseUntil(untilMs: number): void {
    this.#pausedUntil = Math.max(this.#pausedUntil, untilMs);
  }

  async #takeSlot(signal?: AbortSignal): Promise<void> {
    if (this.#inFlight < this.#concurrency) {
      this.#inFlight += 1;
      return;
    }
    await new Promise<void>((resolve, reject) => {
      const onAbort = () => {
        const index = this.#waiting.indexOf(grant);
        if (index >= 0) this.#waiting.splice(index, 1);
        reject(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      const grant = () => {
        signal?.removeEventListener('abort', onAbort);
        this.#inFlight += 1;
        resolve();
      };
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      this.#waiting.push(grant);
    });
  }
}
