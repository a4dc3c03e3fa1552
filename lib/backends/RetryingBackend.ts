import { setMaxListeners } from 'node:events';

import { ConfigError, SecretNotFoundError, TransientError, VaultlyError } from '../errors.js';
import { linkedController } from '../internal/abort.js';
import { errorFields, errorName } from '../internal/errorFields.js';
import { Semaphore } from '../internal/Semaphore.js';
import { sleep as abortableSleep } from '../internal/sleep.js';
import { log, silentLogger, type LogFields, type Logger } from '../logging/Logger.js';
import { Backend, missingSecrets, type BackendBatchOptions, type BackendGetOptions } from './Backend.js';
import { throttleInfo, type ThrottleInfo } from './pacing/throttleInfo.js';
import { timeLeftOf } from './pacing/timeLeftOf.js';
import { PartialBatchError, type OwedPaths } from './PartialBatchError.js';
import {
  DEFAULT_RETRY_BASE_DELAY,
  DEFAULT_RETRY_JITTER,
  DEFAULT_RETRY_MAX_ATTEMPTS,
  DEFAULT_RETRY_MAX_DELAY,
  DEFAULT_RETRY_TOTAL_TIMEOUT,
  MAX_PACED_RETRIES,
  PACED_DEADLINE_SHARE,
  MAX_RETRY_TOTAL_TIMEOUT,
  RETRY_BATCH_CONCURRENCY,
} from './retryConstants.js';

/** Options of {@link RetryingBackend}. Every field is optional; durations are seconds. */
export interface RetryOptions {
  /** How many times a read is attempted in all, the first one included; an integer >= 1. */
  maxAttempts?: number;
  /** The delay before the first retry, before jitter; doubles with each further retry. */
  baseDelay?: number;
  /** The longest delay between two attempts, before jitter. */
  maxDelay?: number;
  /**
   * A hard wall-clock bound over the whole call, every attempt and sleep included; > 0, or
   * `Infinity` for no deadline. While a call is pending its deadline timer keeps the process alive.
   */
  totalTimeout?: number;
  /** Multiply each delay by a uniform random number in [0, 1) ("full jitter"). */
  jitter?: boolean;
  /** Which failures are worth another attempt. */
  isRetryable?: (error: unknown) => boolean;
  /** Seconds to wait after the given 1-based attempt; replaces the whole formula, jitter included. */
  backoff?: (attempt: number) => number;
  /** Called before each sleep with the attempt that failed, its error and the coming delay in seconds. */
  onRetry?: (attempt: number, error: unknown, delay: number) => void;
  /** Receives one warn record per retry. */
  logger?: Logger;
  /**
   * The current time in milliseconds, used to decide whether a wait would cross the deadline. The
   * deadline itself is also enforced by a real timer, so a frozen test clock cannot stretch it.
   */
  now?: () => number;
  /** A uniform random number in [0, 1), for jitter. */
  random?: () => number;
  /** Waits `ms` milliseconds; should reject when `signal` aborts. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

/** One call's deadline and stop signal, shared by every retry loop of that call. */
interface Scope {
  /** Aborts on the caller's abort or at the deadline. */
  readonly signal: AbortSignal;
  /** The deadline on the `now` clock, in ms. */
  readonly deadline: number;
  /**
   * For the inner backend's pacer: ms left until PACED_DEADLINE_SHARE of `totalTimeout` has
   * passed (undefined without a deadline).
   */
  readonly timeLeft: (() => number) | undefined;
  /** Settles with `promise`, or rejects as soon as the call stops, whichever comes first. */
  race<T>(promise: Promise<T>): Promise<T>;
  /** The error a stopped call ends with: the caller's reason, or a TransientError at the deadline. */
  stop(last: unknown, target: Target): unknown;
}

/** A failed attempt, as the retry loop judges it. */
interface Failure {
  readonly error: unknown;
  /** A throttle the inner backend's pacer has already slowed down for: re-queued, not spent. */
  readonly paced: boolean;
  /** Seconds the service asked to wait, if it said. */
  readonly retryAfter: number | undefined;
}

/** What one call reads, for log records and error messages. */
type Target =
  | { readonly kind: 'get'; readonly path: string; readonly version: number | string | undefined }
  | { readonly kind: 'batch'; readonly paths: readonly string[] };

/** The longest list of paths spelled out in a message about a batch. */
const PATHS_IN_MESSAGE = 5;

/**
 * Wraps a backend with bounded retries and a hard deadline.
 *
 * A failure that `isRetryable` accepts (by default a `TransientError` only) is tried again after
 * `min(baseDelay * 2 ** (attempt - 1), maxDelay)` seconds, times a uniform random number in
 * [0, 1) when `jitter` is on. `totalTimeout` bounds the whole call: no retry starts whose sleep
 * would cross it, and when it passes the attempt in flight is aborted and the call rejects with a
 * `TransientError` at once, even if the inner backend ignores its signal. Other failures, and the
 * caller's own abort, end the call at once. Both `get` and `getBatch` are retried. A batch makes
 * progress: when the inner backend rejects with a `PartialBatchError`, the values it read are kept
 * and each failed request is retried alone, on its own attempt count (`maxAttempts` applies per
 * failed request) and backoff. A throttle the inner backend's pacer has already slowed down for is
 * re-queued at once without spending an attempt; a `Retry-After` is otherwise the least delay.
 *
 * Retry in one layer only: when the inner backend's SDK retries on its own, keep `maxAttempts`
 * at 1 here, or turn the SDK's retries off.
 *
 * @param inner - the backend to read through
 * @param options.maxAttempts - attempts in all, the first one included (default: 3)
 * @param options.baseDelay - seconds before the first retry, before jitter (default: 0.5)
 * @param options.maxDelay - the longest delay in seconds, before jitter (default: 4)
 * @param options.totalTimeout - seconds the whole call may take, attempts and sleeps included; `Infinity`
 *   for no deadline (default: 10)
 * @param options.jitter - multiply each delay by a random number in [0, 1) (default: true)
 * @param options.isRetryable - which errors are retried (default: `TransientError.is(error)`)
 * @param options.backoff - seconds to wait after a 1-based attempt; replaces the formula and jitter (default: none)
 * @param options.onRetry - called with `(attempt, error, delay)` before each sleep; what it throws is logged
 *   and ignored (default: none)
 * @param options.logger - receives a warn record per retry, naming the path, the error's name and the
 *   backend's code or HTTP status, never a value or a message (default: silent)
 * @param options.now - the clock in milliseconds (default: `performance.now`)
 * @param options.random - a random number in [0, 1) (default: `Math.random`)
 * @param options.sleep - an abortable wait in milliseconds (default: a timer cleared on abort)
 * @throws TypeError naming the option, when an option is invalid
 * @example
 * ```ts
 * const backend = new RetryingBackend(new EnvBackend(), { maxAttempts: 4, totalTimeout: 8, logger: console });
 * const password = await backend.get('/prod/db/password');
 * ```
 */
export class RetryingBackend extends Backend {
  /** The wrapped backend. */
  readonly inner: Backend;
  readonly #maxAttempts: number;
  readonly #baseDelay: number;
  readonly #maxDelay: number;
  readonly #totalTimeout: number;
  readonly #jitter: boolean;
  readonly #isRetryable: (error: unknown) => boolean;
  readonly #backoff: ((attempt: number) => number) | undefined;
  readonly #onRetry: ((attempt: number, error: unknown, delay: number) => void) | undefined;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #random: () => number;
  readonly #sleep: (ms: number, signal: AbortSignal) => Promise<void>;

  constructor(inner: Backend, options: RetryOptions = {}) {
    super();
    if (typeof (inner as Partial<Backend> | null)?.get !== 'function') {
      throw new TypeError(`RetryingBackend: inner must be a Backend, got ${describe(inner)}`);
    }
    if (typeof options !== 'object' || options === null) {
      throw new TypeError(`RetryingBackend: options must be an object, got ${describe(options)}`);
    }
    const maxAttempts = options.maxAttempts ?? DEFAULT_RETRY_MAX_ATTEMPTS;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
      const got = describe(maxAttempts);
      throw new TypeError(`RetryingBackend: options.maxAttempts must be an integer >= 1, got ${got}`);
    }
    // `null` is not "unset": it used to fall back to the default silently. Infinity means no deadline.
    const totalTimeout = options.totalTimeout === undefined ? DEFAULT_RETRY_TOTAL_TIMEOUT : options.totalTimeout;
    if (
      typeof totalTimeout !== 'number' ||
      !(totalTimeout > 0) ||
      (totalTimeout > MAX_RETRY_TOTAL_TIMEOUT && totalTimeout !== Number.POSITIVE_INFINITY)
    ) {
      const got = describe(totalTimeout);
      const max = MAX_RETRY_TOTAL_TIMEOUT;
      throw new TypeError(
        `RetryingBackend: options.totalTimeout must be a number of seconds > 0 and <= ${max}, or Infinity for no deadline, got ${got}`,
      );
    }
    this.inner = inner;
    this.#maxAttempts = maxAttempts;
    this.#totalTimeout = totalTimeout;
    this.#baseDelay = seconds(options.baseDelay ?? DEFAULT_RETRY_BASE_DELAY, 'baseDelay');
    this.#maxDelay = seconds(options.maxDelay ?? DEFAULT_RETRY_MAX_DELAY, 'maxDelay');
    const jitter = options.jitter ?? DEFAULT_RETRY_JITTER;
    if (typeof jitter !== 'boolean') {
      throw new TypeError(`RetryingBackend: options.jitter must be a boolean, got ${describe(jitter)}`);
    }
    this.#jitter = jitter;
    this.#isRetryable = fn(options.isRetryable, 'isRetryable') ?? ((error) => TransientError.is(error));
    this.#backoff = fn(options.backoff, 'backoff');
    this.#onRetry = fn(options.onRetry, 'onRetry');
    this.#now = fn(options.now, 'now') ?? (() => performance.now());
    this.#random = fn(options.random, 'random') ?? Math.random;
    this.#sleep = fn(options.sleep, 'sleep') ?? abortableSleep;
    const logger = options.logger ?? silentLogger;
    if (typeof (logger as Partial<Logger> | null)?.warn !== 'function') {
      throw new TypeError(`RetryingBackend: options.logger must have a warn method, got ${describe(logger)}`);
    }
    this.#logger = logger;
  }

  /**
   * Reads one secret through the inner backend, retrying as configured.
   * @param path - the resolved path
   * @param options.version - a version number or label, passed on unchanged
   * @param options.signal - aborts the read and every retry; the call rejects with its reason
   */
  override get(path: string, options: BackendGetOptions = {}): Promise<string> {
    const { version, signal } = options;
    const target: Target = { kind: 'get', path, version };
    return this.#call(target, signal, options.timeLeft, (scope) =>
      this.#retry(scope, target, scope.signal, undefined, async (attemptSignal) =>
        this.inner.get(path, { ...(version === undefined ? {} : { version }), ...withTimeLeft(scope), signal: attemptSignal }),
      ),
    );
  }

  /**
   * Reads many secrets through the inner backend's `getBatch`, making progress: when the inner
   * backend reports a {@link PartialBatchError}, the values it read are kept and only the paths
   * still owed are asked for again, each failed request (an SSM chunk, a Vault secret) on its own
   * retry loop, attempt count and backoff, all within the one `totalTimeout`. Missing paths found
   * along the way are named together in one `SecretNotFoundError` once the rest is settled.
   * @param paths - the resolved paths
   * @param options.signal - aborts the read and every retry; the call rejects with its reason
   */
  override getBatch(paths: readonly string[], options: BackendBatchOptions = {}): Promise<Record<string, string>> {
    const unique = [...new Set(paths)];
    const target: Target = { kind: 'batch', paths: unique };
    return this.#call(target, options.signal, options.timeLeft, (scope) => this.#batch(scope, unique));
  }

  /** Runs `body` within one deadline and caller signal, and cleans up however it ends. */
  async #call<T>(
    target: Target,
    callerSignal: AbortSignal | undefined,
    callerTimeLeft: (() => number) | undefined,
    body: (scope: Scope) => Promise<T>,
  ): Promise<T> {
    callerSignal?.throwIfAborted();
    const deadline = this.#clock(target) + this.#totalTimeout * 1000;
    const { controller, dispose } = linkedController(callerSignal);
    const { signal } = controller;
    // One promise that rejects on either stop (caller abort or deadline), raced against every
    // attempt and sleep, so that an inner backend or sleep that ignores its signal cannot hold
    // the call past the deadline. Promise.race also marks the loser's later rejection handled.
    let onStop = (): void => undefined;
    const stopped = new Promise<never>((_, reject) => {
      onStop = () => reject(signal.reason as unknown);
      signal.addEventListener('abort', onStop, { once: true });
    });
    stopped.catch(() => undefined);
    let timeout: DOMException | undefined;
    // Not unref'd: while a read is pending its deadline must keep the process alive, or a script
    // awaiting a backend that never answers exits mid-read (code 13) instead of getting the
    // TransientError. The timer is cleared as soon as the call settles.
    const timer = Number.isFinite(this.#totalTimeout)
      ? setTimeout(() => {
          if (signal.aborted) return;
          timeout = new DOMException(`totalTimeout of ${this.#totalTimeout}s elapsed`, 'TimeoutError');
          this.#log('warn', target, {}, `vaultly: giving up, totalTimeout of ${this.#totalTimeout}s elapsed`);
          controller.abort(timeout);
        }, this.#totalTimeout * 1000)
      : undefined;
    // Paced requests aim to be sent by a share of the deadline, leaving the rest for their answers.
    const pacedBy = deadline - (1 - PACED_DEADLINE_SHARE) * this.#totalTimeout * 1000;
    const scope: Scope = {
      signal,
      deadline,
      timeLeft: shorterTimeLeft(Number.isFinite(this.#totalTimeout) ? () => pacedBy - this.#now() : undefined, callerTimeLeft),
      race: (promise) => Promise.race([promise, stopped]),
      stop: (last, stoppedTarget) => {
        if (timeout === undefined) return callerSignal?.reason;
        const lastError = PartialBatchError.is(last) ? last.cause : last;
        const detail = lastError === undefined ? '' : ` (last error: ${describeFailure(lastError)})`;
        return new TransientError(`Timed out after ${this.#totalTimeout}s reading ${label(stoppedTarget)}${detail}`, {
          cause: lastError ?? timeout,
          ...pathOf(stoppedTarget),
        });
      },
    };
    try {
      return await body(scope);
    } finally {
      if (timer !== undefined) clearTimeout(timer);
      signal.removeEventListener('abort', onStop);
      dispose();
    }
  }

  /**
   * Attempts `attempt` until it succeeds or no retry is left. `first` is a failure already had
   * (a batch's first pass), counted as attempt 1. `signal` stops the loop (the scope's, or a
   * batch's when a sibling failed for good).
   */
  async #retry<T>(
    scope: Scope,
    target: Target,
    signal: AbortSignal,
    first: { error: unknown } | undefined,
    attempt: (signal: AbortSignal) => Promise<T>,
  ): Promise<T> {
    // `n` counts the failed attempts that spend the budget; a paced throttle is refunded.
    let n = 0;
    let paced = 0;
    const fail = (error: unknown): Failure => {
      const throttle = this.#throttle(error);
      const isPaced = throttle?.paced === true && paced < MAX_PACED_RETRIES;
      if (isPaced) paced++;
      else n++;
      return { error, paced: isPaced, retryAfter: throttle?.retryAfter };
    };
    let last = first === undefined ? undefined : fail(first.error);
    for (;;) {
      if (last !== undefined) await this.#beforeRetry(scope, target, signal, n, last);
      try {
        return await scope.race(attempt(signal));
      } catch (error) {
        if (signal.aborted) throw this.#stopped(scope, signal, last?.error, target);
        if (!this.#retryable(error, target)) throw error;
        last = fail(error);
      }
    }
  }

  /**
   * Decides whether attempt `n`'s failure gets a retry, logs it, runs `onRetry` and sleeps; throws
   * the error the call should end with when it does not.
   */
  async #beforeRetry(
    scope: Scope,
    target: Target,
    signal: AbortSignal,
    n: number,
    { error, paced, retryAfter }: Failure,
  ): Promise<void> {
    if (!paced && n >= this.#maxAttempts) throw giveUp(error, target, n);
    // A paced throttle did not spend attempt n + 1; it is tried again.
    const shown = paced ? n + 1 : n;
    // The pacer makes a paced retry wait its turn (and any Retry-After) itself.
    let delay = paced ? 0 : this.#delay(n, error, target);
    if (!paced && retryAfter !== undefined) delay = Math.max(delay, retryAfter);
    const failure = { attempt: shown, delay: roundDelay(delay), ...errorFields(error), ...(paced ? { paced: true } : {}) };
    if (this.#clock(target) + delay * 1000 >= scope.deadline) {
      const message = `vaultly: giving up after attempt ${shown}, a wait of ${roundDelay(delay)}s would cross totalTimeout`;
      this.#log('warn', target, failure, message);
      throw giveUp(error, target, shown);
    }
    const retrying = paced
      ? `vaultly: read throttled, re-queued behind the backend's pacer (attempt ${shown} of ${this.#maxAttempts}, not spent)`
      : `vaultly: read failed, retrying (attempt ${shown} of ${this.#maxAttempts})`;
    this.#log('warn', target, failure, retrying);
    this.#notify(shown, error, delay, target);
    if (delay === 0 && paced) return;
    try {
      await scope.race((async () => this.#sleep(delay * 1000, signal))());
    } catch (sleepError) {
      if (signal.aborted) throw this.#stopped(scope, signal, error, target);
      const message = `RetryingBackend: options.sleep rejected while waiting to retry ${label(target)}`;
      throw new ConfigError(message, { cause: sleepError, ...pathOf(target) });
    }
  }

  /** The error a loop ends with when `signal` aborted: the deadline's, the caller's, or a sibling's. */
  #stopped(scope: Scope, signal: AbortSignal, last: unknown, target: Target): unknown {
    if (scope.signal.aborted) return scope.stop(last, target);
    return signal.reason;
  }

  /** What `error` says about throttling; a partial batch is paced only if every owed request was. */
  #throttle(error: unknown): ThrottleInfo | undefined {
    if (!PartialBatchError.is(error)) return throttleInfo(error);
    const infos = error.owed.map((o) => throttleInfo(o.error));
    if (infos.length === 0 || infos.some((i) => i === undefined)) return undefined;
    const retryAfters = infos.flatMap((i) => (i?.retryAfter === undefined ? [] : [i.retryAfter]));
    const paced = infos.every((i) => i?.paced === true);
    return retryAfters.length === 0 ? { paced } : { paced, retryAfter: Math.max(...retryAfters) };
  }

  /** A batch that makes progress: see {@link RetryingBackend.getBatch}. */
  async #batch(scope: Scope, unique: readonly string[]): Promise<Record<string, string>> {
    const values = Object.create(null) as Record<string, string>; // `__proto__` is a plain key
    const missing = new Set<string>();
    let owed: readonly OwedPaths[];
    const batchTarget: Target = { kind: 'batch', paths: unique };
    try {
      const result = await scope.race((async () => this.inner.getBatch(unique, { signal: scope.signal, ...withTimeLeft(scope) }))());
      return result;
    } catch (error) {
      if (scope.signal.aborted) throw scope.stop(undefined, batchTarget);
      if (PartialBatchError.is(error)) {
        owed = this.#absorb(error, values, missing);
      } else if (this.#retryable(error, batchTarget)) {
        owed = [{ paths: unique, error }];
      } else {
        throw error;
      }
    }
    // Each owed request retries on its own; the first to fail for good stops the others. A slot
    // bounds how many ask at once, as the inner backend's own concurrency bounded the first pass.
    const { controller, dispose } = linkedController(scope.signal);
    // Every owed request listens to this signal while it waits for a slot or sleeps, and the ones
    // holding a slot through the inner backend too; all are removed as they settle: not a leak.
    setMaxListeners(Math.max(10, owed.length + 3 * RETRY_BATCH_CONCURRENCY), controller.signal);
    const slots = new Semaphore(RETRY_BATCH_CONCURRENCY);
    try {
      await Promise.all(
        owed.map(async (group) => {
          try {
            await this.#owed(scope, controller.signal, group, values, missing, slots);
          } catch (error) {
            if (!controller.signal.aborted) controller.abort(error);
            throw error;
          }
        }),
      );
    } finally {
      dispose();
    }
    if (missing.size > 0) throw missingSecrets([...missing]);
    const result = Object.create(null) as Record<string, string>;
    for (const path of unique) result[path] = values[path] as string;
    return result;
  }

  /** Retries one owed request's paths until every one is read or reported missing. */
  async #owed(
    scope: Scope,
    signal: AbortSignal,
    group: OwedPaths,
    values: Record<string, string>,
    missing: Set<string>,
    slots: Semaphore,
  ): Promise<void> {
    let paths: readonly string[] = group.paths;
    const target = (): Target => ({ kind: 'batch', paths });
    let first: { error: unknown } | undefined = { error: group.error };
    if (!this.#retryable(group.error, target())) throw giveUp(group.error, target(), 1);
    for (;;) {
      type Outcome = { done: true } | { done: false; owed: readonly OwedPaths[]; error: PartialBatchError };
      const outcome: Outcome = await this.#retry<Outcome>(scope, target(), signal, first, async (attemptSignal) => {
        const release = await slots.acquire(attemptSignal);
        try {
          Object.assign(values, await this.inner.getBatch(paths, { signal: attemptSignal, ...withTimeLeft(scope) }));
          return { done: true } as const;
        } catch (error) {
          if (attemptSignal.aborted) throw error;
          if (SecretNotFoundError.is(error)) {
            // The batch ends with one SecretNotFoundError anyway: the rest of these values are moot.
            for (const path of error.paths.length > 0 ? error.paths : paths) missing.add(path);
            return { done: true } as const;
          }
          // No progress (nothing read, nothing found missing) is a failed attempt like any other.
          if (!PartialBatchError.is(error) || error.owedPaths.length >= paths.length) throw error;
          const stillOwed = this.#absorb(error, values, missing);
          return { done: false, owed: stillOwed, error } as const;
        } finally {
          release();
        }
      });
      if (outcome.done) return;
      // Progress: what is left of this request is owed on the same loop, judged anew.
      paths = outcome.owed.flatMap((o: OwedPaths) => o.paths);
      first = { error: outcome.error };
      if (!this.#retryable(outcome.error, target())) throw outcome.error;
    }
  }

  /** Keeps what a partial batch read and found missing; returns what it still owes. */
  #absorb(error: PartialBatchError, values: Record<string, string>, missing: Set<string>): readonly OwedPaths[] {
    Object.assign(values, PartialBatchError.fetchedValues(error));
    for (const path of error.missing) missing.add(path);
    return error.owed;
  }

  /** Reads `now`; a clock that throws or is not a number is a misconfiguration, not a crash. */
  #clock(target: Target): number {
    let now: unknown;
    try {
      now = this.#now();
    } catch (hookError) {
      throw new ConfigError('RetryingBackend: options.now threw', { cause: hookError, ...pathOf(target) });
    }
    if (typeof now !== 'number' || Number.isNaN(now)) {
      throw new ConfigError(`RetryingBackend: options.now gave ${describe(now)}, expected milliseconds`, pathOf(target));
    }
    return now;
  }

  /** Asks `isRetryable`; a predicate that throws is logged and counts as "no". */
  #retryable(error: unknown, target: Target): boolean {
    try {
      return this.#isRetryable(error) === true;
    } catch (hookError) {
      const extra = { error: errorName(hookError) };
      this.#log(this.#errorLevel(), target, extra, 'vaultly: options.isRetryable threw; not retrying');
      return false;
    }
  }

  /** Seconds to wait after the 1-based attempt `n`. */
  #delay(n: number, error: unknown, target: Target): number {
    const option = this.#backoff === undefined ? 'random' : 'backoff';
    let delay: number;
    try {
      if (this.#backoff !== undefined) delay = this.#backoff(n);
      else {
        delay = Math.min(this.#baseDelay * 2 ** (n - 1), this.#maxDelay);
        if (this.#jitter) delay *= this.#random();
      }
    } catch (hookError) {
      const message = `RetryingBackend: options.${option} threw while computing the delay after attempt ${n}`;
      throw new ConfigError(message, { cause: hookError, ...pathOf(target) });
    }
    if (typeof delay !== 'number' || !Number.isFinite(delay) || delay < 0) {
      const message =
        `RetryingBackend: options.${option} gave an invalid delay after attempt ${n} (${describe(delay)}); ` +
        'expected a finite number of seconds >= 0';
      throw new ConfigError(message, { cause: error, ...pathOf(target) });
    }
    return delay;
  }

  /** Runs `onRetry`; what it throws (or its promise rejects with) is logged and ignored. */
  #notify(n: number, error: unknown, delay: number, target: Target): void {
    if (this.#onRetry === undefined) return;
    const report = (hookError: unknown): void => {
      const extra = { attempt: n, error: errorName(hookError) };
      this.#log(this.#errorLevel(), target, extra, 'vaultly: options.onRetry threw; ignored');
    };
    try {
      // Typed as returning void, but an async hook's rejection must not go unhandled either.
      const result: unknown = this.#onRetry(n, error, delay);
      if (typeof (result as PromiseLike<unknown> | undefined)?.then === 'function') {
        Promise.resolve(result).catch(report);
      }
    } catch (hookError) {
      report(hookError);
    }
  }

  /** Logs about `target`, naming its path(s) and never a value. */
  #log(level: 'debug' | 'warn' | 'error', target: Target, extra: LogFields, message: string): void {
    log(this.#logger, level, { ...fields(target), ...extra }, message);
  }

  /** A hook's failure is a bug worth an error record; a warn-only logger still gets to see it. */
  #errorLevel(): 'error' | 'warn' {
    return typeof this.#logger.error === 'function' ? 'error' : 'warn';
  }
}

/**
 * The error a call ends with once no retry is left: a VaultlyError as it is (a partial batch's
 * failure rather than the partial batch, whose values are moot now), anything else wrapped.
 */
function giveUp(error: unknown, target: Target, attempts: number): unknown {
  if (PartialBatchError.is(error) && VaultlyError.is(error.cause)) return error.cause;
  if (VaultlyError.is(error)) return error;
  return new TransientError(
    `Reading ${label(target)} failed after ${attempts} attempt${attempts === 1 ? '' : 's'} (${errorName(error)})`,
    { cause: error, ...pathOf(target) },
  );
}

/** A failure in a few words: its name and the backend's code or HTTP status, never a message. */
function describeFailure(error: unknown): string {
  const { error: name, code, status } = errorFields(error);
  return [name, code, status === undefined ? undefined : `HTTP ${status}`].filter((part) => part !== undefined).join(' ');
}

/** Validates a duration option in seconds. */
function seconds(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    const got = describe(value);
    throw new TypeError(`RetryingBackend: options.${name} must be a finite number of seconds >= 0, got ${got}`);
  }
  return value;
}

/** Validates an optional function option. */
function fn<F>(value: F | undefined, name: string): F | undefined {
  if (value !== undefined && typeof value !== 'function') {
    throw new TypeError(`RetryingBackend: options.${name} must be a function, got ${describe(value)}`);
  }
  return value;
}

/** Describes an invalid option without echoing anything long: numbers and booleans as-is, else the type. */
function describe(value: unknown): string {
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return value === null ? 'null' : typeof value;
}


/** The sooner of two `timeLeft`s (this call's own, and its caller's when it has one: an outer retry layer). */
function shorterTimeLeft(own: (() => number) | undefined, caller: (() => number) | undefined): (() => number) | undefined {
  if (own === undefined || caller === undefined) return own ?? caller;
  return () => {
    // A caller's broken clock does not cost this call its own deadline.
    const theirs = timeLeftOf(caller);
    return theirs === undefined ? own() : Math.min(own(), theirs);
  };
}

/** The `timeLeft` option for an inner call of `scope`, when it has a deadline. */
function withTimeLeft(scope: Scope): { timeLeft?: () => number } {
  return scope.timeLeft === undefined ? {} : { timeLeft: scope.timeLeft };
}

/** A delay in seconds for a log record or message: to the millisecond, not `0.0007536068780708738`. */
function roundDelay(delay: number): number {
  return Math.round(delay * 1000) / 1000;
}

function fields(target: Target): LogFields {
  if (target.kind === 'batch') return { paths: target.paths };
  return target.version === undefined ? { path: target.path } : { path: target.path, version: target.version };
}

/** A batch has no single path; its errors name the paths in their message instead. */
function pathOf(target: Target): { path?: string } {
  return target.kind === 'get' ? { path: target.path } : {};
}

function label(target: Target): string {
  if (target.kind === 'get') {
    return target.version === undefined ? target.path : `${target.path} (version ${target.version})`;
  }
  const { paths } = target;
  const shown = paths.slice(0, PATHS_IN_MESSAGE).join(', ');
  const more = paths.length > PATHS_IN_MESSAGE ? ` and ${paths.length - PATHS_IN_MESSAGE} more` : '';
  return `a batch of ${paths.length} (${shown}${more})`;
}
