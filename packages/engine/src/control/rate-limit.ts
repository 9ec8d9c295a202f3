/**
 * A token bucket on the engine's clock: `burst` requests at once, then `perSecond`. Peers cannot be told apart
 * (a Unix socket has no peer address), so the handler keeps one bucket per kind of caller: authenticated
 * requests, and failed authentications, which must never use up the supervisor's requests.
 *
 * @example
 * ```ts
 * const bucket = new TokenBucket({ burst: 10, perSecond: 5 }, () => performance.now());
 * if (!bucket.take()) return tooMany(bucket.retryAfterSeconds());
 * ```
 */
export class TokenBucket {
  readonly #burst: number;
  readonly #perMs: number;
  readonly #now: () => number;
  #tokens: number;
  #at: number;

  constructor(rate: { readonly burst: number; readonly perSecond: number }, now: () => number) {
    this.#burst = rate.burst;
    this.#perMs = rate.perSecond / 1000;
    this.#now = now;
    this.#tokens = rate.burst;
    this.#at = now();
  }

  /** Take one token; false when none is left. */
  take(): boolean {
    this.#refill();
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Whole seconds until the next token (at least 1), for `Retry-After`. */
  retryAfterSeconds(): number {
    this.#refill();
    return Math.max(1, Math.ceil((1 - this.#tokens) / this.#perMs / 1000));
  }

  #refill(): void {
    const now = this.#now();
    if (now > this.#at) this.#tokens = Math.min(this.#burst, this.#tokens + (now - this.#at) * this.#perMs);
    this.#at = Math.max(this.#at, now);
  }
}
