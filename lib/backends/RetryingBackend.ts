import { ConfigError, TransientError, VaultlyError } from '../errors.js';
import { linkedController } from '../internal/abort.js';
import { sleep as abortableSleep } from '../internal/sleep.js';
import { log, silentLogger, type LogFields, type Logger } from '../logging/Logger.js';
import { Backend, type BackendBatchOptions, type BackendGetOptions } from './Backend.js';
import {
  DEFAULT_RETRY_BASE_DELAY,
  DEFAULT_RETRY_JITTER,
  DEFAULT_RETRY_MAX_ATTEMPTS,
  DEFAULT_RETRY_MAX_DELAY,
  DEFAULT_RETRY_TOTAL_TIMEOUT,
  MAX_RETRY_TOTAL_TIMEOUT,
} from './retryConstants.js';

/** Options of {@link RetryingBackend}. Every field is optional; durations are seconds. */
export interface RetryOptions {
  /** How many times a read is attempted in all, the first one included; an integer >= 1. */
  maxAttempts?: number;
  /** The delay before the first retry, before jitter; doubles with each further retry. */
  baseDelay?: number;
  /** The longest delay between two attempts, before jitter. */
  maxDelay?: number;
  /** A hard wall-clock bound over the whole call, every attempt and sleep included; > 0. */
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
 * caller's own abort, end the call at once. Both `get` and `getBatch` are retried; a batch retry
 * asks for the whole batch again.
 *
 * Retry in one layer only: when the inner backend's SDK retries on its own, keep `maxAttempts`
 * at 1 here, or turn the SDK's retries off.
 *
 * @param inner - the backend to read through
 * @param options.maxAttempts - attempts in all, the first one included (default: 3)
 * @param options.baseDelay - seconds before the first retry, before jitter (default: 0.5)
 * @param options.maxDelay - the longest delay in seconds, before jitter (default: 4)
 * @param options.totalTimeout - seconds the whole call may take, attempts and sleeps included (default: 10)
 * @param options.jitter - multiply each delay by a random number in [0, 1) (default: true)
 * @param options.isRetryable - which errors are retried (default: `TransientError.is(error)`)
 * @param options.backoff - seconds to wait after a 1-based attempt; replaces the formula and jitter (default: none)
 * @param options.onRetry - called with `(attempt, error, delay)` before each sleep; what it throws is logged
 *   and ignored (default: none)
 * @param options.logger - receives a warn record per retry, naming the path, never a value (default: silent)
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
    const totalTimeout = options.totalTimeout ?? DEFAULT_RETRY_TOTAL_TIMEOUT;
    if (typeof totalTimeout !== 'number' || !(totalTimeout > 0) || totalTimeout > MAX_RETRY_TOTAL_TIMEOUT) {
      const got = describe(totalTimeout);
      const max = MAX_RETRY_TOTAL_TIMEOUT;
      throw new TypeError(`RetryingBackend: options.totalTimeout must be a number of seconds > 0 and <= ${max}, got ${got}`);
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
    return this.#call(
      async (attemptSignal) =>
        this.inner.get(path, version === undefined ? { signal: attemptSignal } : { version, signal: attemptSignal }),
      { kind: 'get', path, version },
      signal,
    );
  }

  /**
   * Reads many secrets through the inner backend's `getBatch`; a retry asks for the whole batch.
   * @param paths - the resolved paths
   * @param options.signal - aborts the read and every retry; the call rejects with its reason
   */
  override getBatch(paths: readonly string[], options: BackendBatchOptions = {}): Promise<Record<string, string>> {
    return this.#call(
      async (attemptSignal) => this.inner.getBatch(paths, { signal: attemptSignal }),
      { kind: 'batch', paths: [...paths] },
      options.signal,
    );
  }

  async #call<T>(attempt: (signal: AbortSignal) => Promise<T>, target: Target, callerSignal?: AbortSignal): Promise<T> {
    callerSignal?.throwIfAborted();
    const deadline = this.#now() + this.#totalTimeout * 1000;
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
    const timer = setTimeout(() => {
      if (signal.aborted) return;
      timeout = new DOMException(`totalTimeout of ${this.#totalTimeout}s elapsed`, 'TimeoutError');
      controller.abort(timeout);
    }, this.#totalTimeout * 1000);
    timer.unref();

    let last: { error: unknown } | undefined;
    const stop = (): unknown => {
      if (timeout === undefined) return callerSignal?.reason;
      return new TransientError(`Timed out after ${this.#totalTimeout}s reading ${label(target)}`, {
        cause: last?.error ?? timeout,
        ...pathOf(target),
      });
    };
    try {
      for (let n = 1; ; n++) {
        try {
          return await Promise.race([attempt(signal), stopped]);
        } catch (error) {
          if (signal.aborted) throw stop();
          if (!this.#retryable(error, target)) throw error;
          last = { error };
        }
        if (n >= this.#maxAttempts) throw giveUp(last.error, target, n);
        const delay = this.#delay(n, last.error, target);
        if (this.#now() + delay * 1000 >= deadline) {
          this.#log('debug', target, { attempt: n, delay }, 'vaultly: not retrying, the wait would cross totalTimeout');
          throw giveUp(last.error, target, n);
        }
        const failure = { attempt: n, delay, error: errorName(last.error) };
        this.#log('warn', target, failure, `vaultly: read failed, retrying (attempt ${n} of ${this.#maxAttempts})`);
        this.#notify(n, last.error, delay, target);
        try {
          await Promise.race([(async () => this.#sleep(delay * 1000, signal))(), stopped]);
        } catch (error) {
          if (signal.aborted) throw stop();
          const message = `RetryingBackend: options.sleep rejected while waiting to retry ${label(target)}`;
          throw new ConfigError(message, { cause: error, ...pathOf(target) });
        }
      }
    } finally {
      clearTimeout(timer);
      signal.removeEventListener('abort', onStop);
      dispose();
    }
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

/** The error a call ends with once no retry is left: a VaultlyError as it is, anything else wrapped. */
function giveUp(error: unknown, target: Target, attempts: number): unknown {
  if (VaultlyError.is(error)) return error;
  return new TransientError(
    `Reading ${label(target)} failed after ${attempts} attempt${attempts === 1 ? '' : 's'} (${errorName(error)})`,
    { cause: error, ...pathOf(target) },
  );
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

/**
 * The name of an error, never its message: a foreign error's message may quote the value it
 * failed on, and a thrown non-Error could be anything.
 */
function errorName(error: unknown): string {
  const name = typeof error === 'object' && error !== null ? (error as { name?: unknown }).name : undefined;
  return typeof name === 'string' ? name : typeof error;
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
