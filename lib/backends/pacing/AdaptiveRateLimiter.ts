import { raceAbort } from '../../internal/abort.js';
import { sleep as abortableSleep } from '../../internal/sleep.js';
import { timeLeftOf } from './timeLeftOf.js';
import {
  DEFAULT_PACING_BETA,
  DEFAULT_PACING_MIN_RATE,
  DEFAULT_PACING_SCALE,
  DEFAULT_RATE_LIMIT,
  MAX_RETRY_AFTER,
  PACING_FIRST_CUT_SENT_SHARE,
  PACING_IDLE_RESTART_MS,
  PACING_INITIAL_WINDOW,
  PACING_JITTER,
  PACING_RATE_WINDOW_MS,
  PACING_SLOW_START_GROWTH,
  PACING_SLOW_START_WAIT_MS,
  PACING_URGENT_QUIET_MS,
  PACING_URGENT_SCAN,
  PACING_URGENT_WINDOW,
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
  /** A uniform random number in [0, 1), for the jitter of paced spacing. */
  random?: () => number;
}

/**
 * Paces the requests of one backend instance so that a throttling service is not retried into the
 * wall, and so that processes sharing one quota (a fleet booting together) share it with few
 * throttled requests.
 *
 * - Slow start: until the service first throttles, one request may be in flight, and half a
 *   request more for each success (the window grows by half every round trip), unpaced (or
 *   spaced by `rateLimit`). Each `acquire` must be reported once: {@link onSuccess},
 *   {@link onThrottle} or {@link onFailure}.
 * - The first throttle cuts the rate to `beta` times what got through over the last second (the
 *   requests that succeeded, plus the throttled one), but to no less than `beta` times half of
 *   what was sent: processes that boot together drain a shared bucket at once, and what got
 *   through is each one's share.
 * - Each later throttle cuts it to `beta` times the rate measured over the last second (or the
 *   current rate, if lower); never below `minRate`. When that is below the rate of the last cut,
 *   the curve aims at the midpoint of the two (CUBIC's fast convergence): a process that had more
 *   than its share gives it up sooner.
 * - After a cut the rate grows back along a CUBIC curve that reaches the old rate after
 *   `cbrt(oldRate * (1 - beta) / scale)` seconds and keeps growing past it, as the AWS SDK's
 *   adaptive retry mode does. A `Retry-After` pauses every request until it has passed.
 *
 * Requests go one at a time, in order, each when its gap after the last one has passed at the rate
 * of that moment (no bursts above the rate); once adapted, each gap varies by up to
 * 25% either way (same mean), so processes that started together do not hit the service in lockstep.
 *
 * One limiter is shared by every model and container that reads through the backend holding it,
 * background refreshes included. Its waits are ref'd timers (a pending read keeps the process
 * alive) that end on the caller's abort.
 *
 * @param options.rateLimit - ceiling in requests per second (default: none)
 * @param options.minRate - floor after throttling, requests per second (default: 0.5)
 * @param options.beta - share of the measured rate kept after a throttle (default: 0.5)
 * @param options.scale - CUBIC's growth constant (default: 0.8)
 * @param options.now - clock in milliseconds (default: `performance.now`)
 * @param options.sleep - abortable wait in milliseconds (default: a timer cleared on abort)
 * @param options.random - a random number in [0, 1), for jitter (default: `Math.random`)
 * @throws TypeError naming the option, when an option is invalid
 * @example
 * ```ts
 * const limiter = new AdaptiveRateLimiter({ rateLimit: 20 });
 * const ticket = await limiter.acquire(signal);
 * try { await send(); limiter.onSuccess(ticket); }
 * catch (e) { if (isThrottlingError(e)) limiter.onThrottle(ticket); else limiter.onFailure(ticket); throw e; }
 * ```
 */
export class AdaptiveRateLimiter {
  readonly #ceiling: number;
  readonly #minRate: number;
  readonly #beta: number;
  readonly #scale: number;
  readonly #now: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  readonly #random: () => number;
  /** Whether the service has throttled us: from then on the rate adapts. */
  #adaptive = false;
  /** The adaptive rate, before the ceiling. */
  #rate = Number.POSITIVE_INFINITY;
  /** The rate at the last cut, which the CUBIC curve climbs back to. */
  #lastMax = 0;
  /** Slow start: how many requests may be in flight before the first throttle. */
  #startWindow = PACING_INITIAL_WINDOW;
  /** Requests acquired and not yet reported. */
  #inFlight = 0;
  /** The callers waiting in `acquire`, in order (the head first), with their deadline on this clock. */
  readonly #waiting: { readonly deadline: number | undefined }[] = [];
  /** When the service last throttled a request, in ms: no hurrying for a deadline right after. */
  #lastThrottle = Number.NEGATIVE_INFINITY;
  /** Wakes the head of the queue when a request is reported (slow start). */
  #wake: (() => void) | undefined;
  /** When the rate was last cut, in ms. */
  #lastCut = Number.NEGATIVE_INFINITY;
  /** The first ticket sent after the last cut: earlier tickets were sent at the old rate. */
  #cutTicket = 0;
  /** The next ticket to issue. */
  #tickets = 0;
  /** The tickets issued when the last throttle was reported: every lower ticket came before it. */
  #throttleMark = 0;
  /** Seconds the curve takes to climb back to `#lastMax`. */
  #window = 0;
  /** No request goes before this time (one interval after a throttle), in ms. */
  #nextAt = Number.NEGATIVE_INFINITY;
  /** When the last request went, in ms. */
  #lastSent = Number.NEGATIVE_INFINITY;
  /** The jitter factor of the gap after the last request. */
  #gap = 1;
  /** Settles when the last caller in line has gone (or given up): the next one waits for it. */
  #queue: Promise<void> = Promise.resolve();
  /** No request goes before this time (a Retry-After), in ms. */
  #pauseUntil = Number.NEGATIVE_INFINITY;
  /** Send times within the last measuring window, oldest first. */
  readonly #sent: number[] = [];
  /** Times of answers that were not throttling before the first throttle, within the last window, oldest first. */
  readonly #succeeded: number[] = [];

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
    this.#random = fn(options.random, 'random') ?? Math.random;
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
   *
   * `timeLeft` (ms until the caller wants its read done, read as it joins the line) makes the
   * wait deadline-aware: once throttled, and when no throttle came within the last half second,
   * callers whose requests would not be sent in time at the adapted rate (counting those in
   * flight, which may come back throttled, and those ahead in line) go at the rate that sends them
   * in time, never above `rateLimit`, never before a throttle's pause or `Retry-After` has passed,
   * and with at most PACING_URGENT_WINDOW requests in flight. The tightest deadline among the
   * first PACING_URGENT_SCAN in line counts, not only the head's (as the head reckons its wait: one
   * that joins later counts from the head's next look). Processes sharing a quota learn unequal
   * shares; without this the ones left behind miss their deadline while the quota sits unused by
   * those that finished. A process the service keeps throttling does not hurry.
   */
  async acquire(signal?: AbortSignal, timeLeft?: () => number): Promise<number> {
    signal?.throwIfAborted();
    // Callers go one at a time, in order. Only the head waits for its slot, reckoned from the rate
    // at that moment: a slot reserved in advance at a slow rate would stay slow after the rate grew.
    const previous = this.#queue;
    // The caller's time left, read once as it joins, becomes a deadline on this limiter's clock.
    const ms = timeLeftOf(timeLeft);
    const waiter = { deadline: ms === undefined ? undefined : this.#now() + ms };
    this.#waiting.push(waiter);
    let release = (): void => undefined;
    const mine = new Promise<void>((resolve) => (release = resolve));
    this.#queue = previous.then(() => mine);
    try {
      await raceAbort(previous, signal);
      this.#restartAfterIdle(this.#now());
      let gated = true;
      for (;;) {
        // Slow start: wait for a report while the window is full (once, at most a while).
        if (gated && !this.#adaptive && this.#inFlight >= this.#startWindow) {
          gated = await this.#awaitReport(PACING_SLOW_START_WAIT_MS, signal);
          continue;
        }
        const now = this.#now();
        const paced = this.#slot(this.rate);
        if (paced <= now) break;
        const urgent = this.#urgency(now);
        if (urgent > this.rate) {
          // Hurrying for a deadline, with as many in flight as that may have: the next report
          // (or the paced slot) lets one more go.
          if (this.#inFlight >= PACING_URGENT_WINDOW) await this.#awaitReport(paced - now, signal);
          else {
            const at = this.#slot(urgent);
            if (at <= now) break;
            await this.#sleep(at - now, signal);
          }
          continue;
        }
        // Right after a throttle (PACING_URGENT_QUIET_MS) a deadline waits; wake when that ends.
        const quietEnd = this.#lastThrottle + PACING_URGENT_QUIET_MS;
        const deadlines = this.#waiting.some((w) => w.deadline !== undefined);
        const wake = deadlines && now < quietEnd ? Math.min(paced, quietEnd) : paced;
        await this.#sleep(wake - now, signal);
      }
      const now = this.#now();
      this.#record(now);
      this.#inFlight++;
      this.#lastSent = now;
      // The gap after this request; jitter only the adapted pace: a ceiling is never exceeded.
      this.#gap = 1 + PACING_JITTER * (2 * this.#random() - 1);
      return this.#tickets++;
    } finally {
      this.#waiting.splice(this.#waiting.indexOf(waiter), 1);
      release();
    }
  }

  /**
   * Waits until a request in flight is reported; resolves to `false` if none was within `ms`.
   * Rejects when `signal` aborts.
   */
  async #awaitReport(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
    const reported = new Promise<boolean>((resolve) => (this.#wake = () => resolve(true)));
    const stop = new AbortController();
    const expired = this.#sleep(ms, signal === undefined ? stop.signal : AbortSignal.any([signal, stop.signal]));
    try {
      return await Promise.race([reported, expired.then(() => false)]);
    } finally {
      this.#wake = undefined;
      // Clears the wait's timer when the report came first.
      stop.abort();
      expired.catch(() => undefined);
    }
  }

  /** A request was reported: one fewer in flight, and the head of the queue may look again. */
  #settle(): void {
    this.#inFlight = Math.max(0, this.#inFlight - 1);
    this.#wake?.();
  }

  /**
   * After an idle spell (nothing in flight, nothing sent for PACING_IDLE_RESTART_MS or two gaps),
   * the pace starts over from what was learned, as TCP restarts after idle: once throttled, from
   * the rate right after the last cut, climbing its curve again; before that, from a slow-start
   * window of one. A fleet idle between refreshes comes back at the shares its processes learned,
   * not at whatever their curves grew to while nothing was sent, all of them at once.
   */
  #restartAfterIdle(now: number): void {
    if (this.#inFlight > 0 || !Number.isFinite(this.#lastSent)) return;
    const rate = this.rate;
    const idle = Math.max(PACING_IDLE_RESTART_MS, Number.isFinite(rate) ? 2000 / rate : 0);
    if (now - this.#lastSent < idle) return;
    if (!this.#adaptive) {
      this.#startWindow = PACING_INITIAL_WINDOW;
      return;
    }
    this.#lastCut = now;
    this.#rate = this.#clamp(this.#lastMax * this.#beta);
  }

  /** The earliest time the head of the queue may go, in ms. */
  #slot(rate: number): number {
    let at = Math.max(this.#pauseUntil, this.#nextAt);
    if (Number.isFinite(rate)) {
      // Jitter only the adapted pace, and never to a gap shorter than the ceiling's.
      const gap = this.#adaptive && rate < this.#ceiling ? this.#gap : 1;
      at = Math.max(at, this.#lastSent + Math.max((1000 / rate) * gap, 1000 / this.#ceiling));
    }
    return at;
  }

  /**
   * The rate that has every waiting caller sent by its deadline: the n-th in line needs the
   * requests in flight (any may come back throttled) and n more sent by then; none left means now.
   * Only the first PACING_URGENT_SCAN in line are looked at, so a long line costs no more per
   * request. At most the ceiling; 0 before the first throttle (unpaced then) and within
   * PACING_URGENT_QUIET_MS of the last throttle: a process the service is throttling does not hurry.
   */
  #urgency(now: number): number {
    if (!this.#adaptive || now - this.#lastThrottle < PACING_URGENT_QUIET_MS) return 0;
    let rate = 0;
    const scanned = Math.min(this.#waiting.length, PACING_URGENT_SCAN);
    for (let i = 0; i < scanned; i++) {
      const { deadline } = this.#waiting[i] as { deadline: number | undefined };
      if (deadline === undefined) continue;
      const needed = this.#inFlight + i + 1;
      rate = Math.max(rate, deadline <= now ? Number.POSITIVE_INFINITY : (needed * 1000) / (deadline - now));
    }
    return Math.min(rate, this.#ceiling);
  }

  /**
   * Whether a throttle that paused or slowed the pace (a `Retry-After`, or a cut) was reported
   * after `ticket` was issued. A request that is not on the wire yet (the SDK still making it
   * ready) should then take a new turn: the turn it holds was given before that pause or cut. A
   * throttle of a request sent before the last cut, with no `Retry-After`, changes nothing.
   */
  throttledSince(ticket: number): boolean {
    return ticket < this.#throttleMark;
  }

  /** Reports that the request holding `ticket` got an answer that was not throttling. */
  onSuccess(ticket: number): void {
    const now = this.#now();
    this.#settle();
    if (!this.#adaptive) {
      this.#startWindow += PACING_SLOW_START_GROWTH;
      // Only the first cut reads what got through; later ones go by the rate.
      this.#succeeded.push(now);
      trim(this.#succeeded, now);
      return;
    }
    if (ticket < this.#cutTicket) return;
    const elapsed = (now - this.#lastCut) / 1000;
    this.#rate = this.#clamp(this.#scale * (elapsed - this.#window) ** 3 + this.#lastMax);
  }

  /**
   * Reports that the request holding `ticket` ended without saying anything about the rate (a
   * network error, a 5xx, an abort): it is no longer in flight.
   */
  onFailure(ticket: number): void {
    void ticket;
    this.#settle();
  }

  /**
   * Reports that the request holding `ticket` was throttled. Cuts the rate, unless the request was
   * sent before the last cut (it already counted), and pauses every request for `retryAfter`
   * seconds when the service said so.
   */
  onThrottle(ticket: number, retryAfter?: number): void {
    const now = this.#now();
    this.#settle();
    this.#lastThrottle = now;
    if (retryAfter !== undefined && Number.isFinite(retryAfter) && retryAfter > 0) {
      this.#pauseUntil = Math.max(this.#pauseUntil, now + Math.min(retryAfter, MAX_RETRY_AFTER) * 1000);
      this.#throttleMark = this.#tickets;
    }
    if (ticket < this.#cutTicket) return;
    this.#throttleMark = this.#tickets;
    const measured = this.#measured(now);
    let base: number;
    if (this.#adaptive) {
      base = Math.min(measured, this.rate);
      // Fast convergence: below the last cut's rate, others want more of the quota; make room.
      if (base < this.#lastMax) base *= (1 + this.#beta) / 2;
    } else {
      // The first throttle: what got through is our share of a bucket others may have drained too.
      const granted = (this.#succeeded.length * 1000) / PACING_RATE_WINDOW_MS;
      // What got through, and the throttled request itself: it found the bucket empty, not shut.
      const through = granted + 1000 / PACING_RATE_WINDOW_MS;
      base = Math.min(measured, Math.max(through, measured * PACING_FIRST_CUT_SENT_SHARE));
    }
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
    trim(this.#sent, at);
  }

  /** Requests sent over the last window, per second. */
  #measured(now: number): number {
    trim(this.#sent, now);
    trim(this.#succeeded, now);
    return (this.#sent.length * 1000) / PACING_RATE_WINDOW_MS;
  }
}

/** Drops the times in `times` (oldest first) that are older than the measuring window. */
function trim(times: number[], now: number): void {
  const from = now - PACING_RATE_WINDOW_MS;
  let drop = 0;
  while (drop < times.length && (times[drop] as number) <= from) drop++;
  if (drop > 0) times.splice(0, drop);
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
