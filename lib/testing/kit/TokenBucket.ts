/** Options of a request-rate quota ({@link TokenBucket}). */
export interface QuotaOptions {
  /** Requests per second the bucket refills with. Required; must be > 0. */
  rate: number;
  /** How many requests may arrive at once on a full bucket (default: `rate`, at least 1). */
  burst?: number;
  /** Clock in milliseconds (default: `Date.now`); inject one to make tests deterministic. */
  now?: () => number;
}

/**
 * A token bucket shared by every client of a loopback server: it holds up to `burst` tokens,
 * refills `rate` per second, and each request takes one or is throttled.
 *
 * @example
 * ```ts
 * let t = 0;
 * const bucket = new TokenBucket({ rate: 2, burst: 1, now: () => t });
 * bucket.take(); // true
 * bucket.take(); // false: wait bucket.secondsUntilNext() (0.5 s)
 * ```
 */
export class TokenBucket {
  readonly #rate: number;
  readonly #burst: number;
  readonly #now: () => number;
  #tokens: number;
  #last: number;

  constructor(options: QuotaOptions) {
    if (typeof options !== 'object' || options === null) throw new TypeError('quota must be an object like { rate: 40, burst: 40 }');
    const { rate } = options;
    if (typeof rate !== 'number' || !Number.isFinite(rate) || rate <= 0) {
      throw new TypeError('quota.rate must be a finite number of requests per second > 0');
    }
    const burst = options.burst ?? Math.max(1, Math.floor(rate));
    if (!Number.isSafeInteger(burst) || burst < 1) throw new TypeError('quota.burst must be a positive integer');
    if (options.now !== undefined && typeof options.now !== 'function') throw new TypeError('quota.now must be a function');
    this.#rate = rate;
    this.#burst = burst;
    this.#now = options.now ?? Date.now;
    this.#tokens = burst;
    this.#last = this.#now();
  }

  /** Takes one token; `false` when the bucket is empty (the request is over quota). */
  take(): boolean {
    this.#refill();
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }

  /** Seconds until the next token, rounded up, at least 1: what a `Retry-After` header says. */
  secondsUntilNext(): number {
    this.#refill();
    return Math.max(1, Math.ceil((1 - this.#tokens) / this.#rate));
  }

  #refill(): void {
    const now = this.#now();
    // A clock that goes backwards refills nothing rather than draining the bucket.
    const elapsed = Math.max(0, now - this.#last) / 1000;
    this.#last = now;
    this.#tokens = Math.min(this.#burst, this.#tokens + elapsed * this.#rate);
  }
}
