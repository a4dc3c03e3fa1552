import { sleep as abortableSleep } from '../../internal/sleep.js';
import {
  DEFAULT_PACING_BETA,
  DEFAULT_PACING_MIN_RATE,
  DEFAULT_PACING_SCALE,
  DEFAULT_RATE_LIMIT,
  MAX_RETRY_AFTER,
  PACING_RATE_WINDOW_MS,
} from './constants.js';

/** Options of {@link AdaptiveRateLimiter}. Every field is optional; rates are requests per second. */
export interface AdaptiveRateLimiterOptions {
  /** A ceiling on the rate, e.g. your share of a quota that other services use too. */
  rateLimit?: number;
  /** The slowest the limiter goes after throttling. */
  minRate?: number;
  /** The share of the measured rate kept after a throttle, in (0, 1). */
  beta?: number;
  /** How fast the rate grows back after a throttle (CUBIC's C), > 0. */
  scale?: number;
  /** The current time in milliseconds. */
  now?: () => number;
  /** Waits `ms` milliseconds; should reject when `signal` aborts. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * Paces the requests of one backend instance so that a throttling service is not retried into the
 * wall. Until the service first throttles, requests go at once (or spaced by `rateLimit`). On a
 * throttle, the rate drops to `beta` times the rate measured over the last second; it then grows
 * back along a CUBIC curve that reaches the old rate after `cbrt(oldRate * (1 - beta) / scale)`
 * seconds and keeps growing past it, as the AWS SDK's adaptive retry mode does. A `Retry-After`
 * pauses every request until it has passed. Requests are spaced evenly (no bursts above the rate).
 *
 * One limiter is shared by every model and container that reads through the backend holding it,
 * background refreshes included. Its waits are ref'd timers (a pending read keeps the process
 * alive) that end on the caller's abort.
 *
 * @param options.rateLimit - ceiling in requests per second (default: none)
 * @param options.minRate - floor after throttling, requests per second (default: 0.5)
 * @param options.beta - share of the measured rate kept after a throttle (default: 0.7)
 * @param options.scale - CUBIC's growth constant (default: 0.4)
 * @param options.now - clock in milliseconds (default: `performance.now`)
 * @param options.sleep - abortable wait in milliseconds (default: a timer cleared on abort)
 * @throws TypeError naming the option, when an option is invalid
 * @example
 * ```ts
 * const limiter = new AdaptiveRateLimiter({ rateLimit: 20 });
 * const ticket = await limiter.acquire(signal);
 * try { await send(); limiter.onSuccess(ticket); } catch (e) { if (isThrottlingError(e)) limiter.onThrottle(ticket); throw e; }
 * ```
 */
export class AdaptiveRateLimiter {
  readonly #ceiling: number;
  readonly #minRate: number;
  readonly #beta: number;
  readonly #scale: number;
  readonly #now: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Whether the service has throttled us: from then on the rate adapts. */
  #adaptive = false;
  /** The adaptive rate, before the ceiling. */
  #rate = Number.POSITIVE_INFINITY;
  /** The rate at the last cut, which the CUBIC curve climbs back to. */
  #lastMax = 0;
  /** When the rate was last cut, in ms. */
  #lastCut = Number.NEGATIVE_INFINITY;
  /** The first ticket issued after the last cut: earlier tickets were sent at the old rate. */
  #cutTicket = 0;
  /** The next ticket to issue. */
  #tickets = 0;
  /** Seconds the curve takes to climb back to `#lastMax`. */
  #window = 0;
  /** The earliest time the next request may go, in ms. */
  #nextAt = Number.NEGATIVE_INFINITY;
  /** No request goes before this time (a Retry-After), in ms. */
  #pauseUntil = Number.NEGATIVE_INFINITY;
  /** Send times within the last measuring window, oldest first. */
  readonly #sent: number[] = [];

  constructor(options: AdaptiveRateLimiterOptions = {}) {
    if (typeof options !== 'object' || options === null) throw new TypeError('AdaptiveRateLimiter: options must be an object');
    // `=== undefined`, not `??`: a `null` is a mistake to report, not "unset".
    this.#ceiling = positive(options.rateLimit === undefined ? DEFAULT_RATE_LIMIT : options.rateLimit, 'rateLimit', true);
    this.#minRate = positive(options.minRate === undefined ? DEFAULT_PACING_MIN_RATE : options.minRate, 'minRate', false);
    const beta = options.beta === undefined ? DEFAULT_PACING_BETA : options.beta;
    if (typeof beta !== 'number' || !(beta > 0 && beta < 1)) {
      throw new TypeError('AdaptiveRateLimiter: options.beta must be a number between 0 and 1 (exclusive)');
    }
    this.#beta = beta;
    this.#scale = positive(options.scale === undefined ? DEFAULT_PACING_SCALE : options.scale, 'scale', false);
    this.#now = fn(options.now, 'now') ?? (() => performance.now());
    this.#sleep = fn(options.sleep, 'sleep') ?? abortableSleep;
  }

  /** The rate requests go at now, in requests per second (`Infinity` while unpaced). */
  get rate(): number {
    return this.#clamp(this.#rate);
  }

  /** The `rateLimit` ceiling (`Infinity` when none). */
  get rateLimit(): number {
    return this.#ceiling;
  }

  /**
   * Waits for this request's turn and resolves to its ticket, to hand back to {@link onSuccess} or
   * {@link onThrottle}. Rejects with `signal`'s reason if it aborts first.
   */
  async acquire(signal?: AbortSignal): Promise<number> {
    signal?.throwIfAborted();
    const ticket = this.#tickets++;
    const now = this.#now();
    let at = Math.max(now, this.#pauseUntil);
    const rate = this.rate;
    if (Number.isFinite(rate)) {
      // Reserve the slot before waiting, so concurrent callers queue one behind the other.
      at = Math.max(at, this.#nextAt);
      this.#nextAt = at + 1000 / rate;
    }
    if (at > now) await this.#sleep(at - now, signal);
    this.#record(at);
    return ticket;
  }

  /** Reports that the request holding `ticket` got an answer that was not throttling. */
  onSuccess(ticket: number): void {
    if (!this.#adaptive || ticket < this.#cutTicket) return;
    const elapsed = (this.#now() - this.#lastCut) / 1000;
    this.#rate = this.#clamp(this.#scale * (elapsed - this.#window) ** 3 + this.#lastMax);
  }

  /**
   * Reports that the request holding `ticket` was throttled. Cuts the rate, unless the request was
   * sent before the last cut (it already counted), and pauses every request for `retryAfter`
   * seconds when the service said so.
   */
  onThrottle(ticket: number, retryAfter?: number): void {
    const now = this.#now();
    if (retryAfter !== undefined && Number.isFinite(retryAfter) && retryAfter > 0) {
      this.#pauseUntil = Math.max(this.#pauseUntil, now + Math.min(retryAfter, MAX_RETRY_AFTER) * 1000);
    }
    if (ticket < this.#cutTicket) return;
    const measured = this.#measured(now);
    const base = this.#adaptive ? Math.min(measured, this.rate) : measured;
    this.#lastMax = Math.max(base, this.#minRate);
    this.#window = Math.cbrt((this.#lastMax * (1 - this.#beta)) / this.#scale);
    this.#lastCut = now;
    this.#cutTicket = this.#tickets;
    this.#adaptive = true;
    this.#rate = this.#clamp(this.#lastMax * this.#beta);
    // The service's bucket is empty: the next request waits one interval at the new rate.
    this.#nextAt = Math.max(this.#nextAt, now + 1000 / this.rate);
  }

  #clamp(rate: number): number {
    const capped = Math.min(rate, this.#ceiling);
    return this.#adaptive ? Math.max(capped, Math.min(this.#minRate, this.#ceiling)) : capped;
  }

  #record(at: number): void {
    this.#sent.push(at);
    this.#trim(at);
  }

  /** Requests sent over the last window, per second. */
  #measured(now: number): number {
    this.#trim(now);
    return (this.#sent.length * 1000) / PACING_RATE_WINDOW_MS;
  }

  #trim(now: number): void {
    const from = now - PACING_RATE_WINDOW_MS;
    let drop = 0;
    while (drop < this.#sent.length && (this.#sent[drop] as number) <= from) drop++;
    if (drop > 0) this.#sent.splice(0, drop);
  }
}

function positive(value: unknown, name: string, infinite: boolean): number {
  if (typeof value !== 'number' || !(value > 0) || (!infinite && !Number.isFinite(value))) {
    const what = infinite ? 'a number > 0 (or Infinity)' : 'a finite number > 0';
    throw new TypeError(`AdaptiveRateLimiter: options.${name} must be ${what}, got ${typeof value === 'number' ? String(value) : typeof value}`);
  }
  return value;
}

function fn<F>(value: F | undefined, name: string): F | undefined {
  if (value !== undefined && typeof value !== 'function') {
    throw new TypeError(`AdaptiveRateLimiter: options.${name} must be a function`);
  }
  return value;
}
