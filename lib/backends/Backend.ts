import { DEFAULT_BATCH_CONCURRENCY } from '../constants.js';
import { SecretNotFoundError } from '../errors.js';
import { mapUntilFailure } from '../internal/mapUntilFailure.js';
import type { OwedPaths } from './PartialBatchError.js';
import { settleBatch } from './settleBatch.js';
import { missingSecrets } from './missingSecrets.js';

export { missingSecrets };

/** Options of a single read. */
export interface BackendGetOptions {
  /** A version number, or a label (SSM) where the backend supports one. */
  version?: number | string;
  /** Aborts the read; the returned promise rejects with the signal's reason. */
  signal?: AbortSignal;
  /**
   * Milliseconds left until the caller wants the read done (`RetryingBackend` passes the time to a
   * tenth before its `totalTimeout`). A backend that paces its requests behind a throttling service
   * may go faster than its learned pace so that what it has queued is sent in time.
   */
  timeLeft?: () => number;
}

/** Options of a batched read. */
export interface BackendBatchOptions {
  /** Aborts the whole batch. */
  signal?: AbortSignal;
  /**
   * Milliseconds left until the caller wants the read done (`RetryingBackend` passes the time to a
   * tenth before its `totalTimeout`). A backend that paces its requests behind a throttling service
   * may go faster than its learned pace so that what it has queued is sent in time.
   */
  timeLeft?: () => number;
}

/**
 * Where secrets come from. A backend returns raw strings; models cast them.
 *
 * Subclasses implement {@link Backend.get}; {@link Backend.getBatch} has a default that
 * de-duplicates the paths, calls `get` with bounded concurrency and rejects with one
 * {@link SecretNotFoundError} naming every missing path. Backends with a native batch read
 * override it.
 *
 * Failures must be mapped onto {@link SecretNotFoundError}, `AuthError` or `TransientError`.
 *
 * @example
 * ```ts
 * class StaticBackend extends Backend {
 *   async get(path: string): Promise<string> { return 'value-of-' + path; }
 * }
 * ```
 */
export abstract class Backend {
  /** How many `get` calls the default `getBatch` runs at once. */
  protected batchConcurrency: number = DEFAULT_BATCH_CONCURRENCY;

  /**
   * Reads one secret.
   * @param path - the resolved path
   * @param options.version - a version number or label
   * @param options.signal - aborts the read
   */
  abstract get(path: string, options?: BackendGetOptions): Promise<string>;

  /**
   * Reads many unversioned secrets. Resolves to a record of every requested path, or rejects
   * with one {@link SecretNotFoundError} naming every missing path. A read that fails with a
   * `TransientError` does not stop the others: the batch then rejects with a
   * {@link PartialBatchError} carrying what was read and the paths still owed (each path its own
   * entry), which `RetryingBackend` retries alone. Any other failure rejects the whole batch and
   * aborts the reads still in flight.
   */
  async getBatch(paths: readonly string[], options: BackendBatchOptions = {}): Promise<Record<string, string>> {
    options.signal?.throwIfAborted();
    const unique = [...new Set(paths)];
    const results = await mapUntilFailure(unique, this.batchConcurrency, options.signal, (path, signal) =>
      this.get(path, options.timeLeft === undefined ? { signal } : { signal, timeLeft: options.timeLeft }),
    );
    // No prototype: a secret named `__proto__` is a plain key.
    const values = Object.create(null) as Record<string, string>;
    const missing: string[] = [];
    const owed: OwedPaths[] = [];
    results.forEach((result, i) => {
      const path = unique[i] as string;
      if (result.status === 'fulfilled') values[path] = result.value;
      else if (SecretNotFoundError.is(result.reason)) missing.push(path);
      else owed.push({ paths: [path], error: result.reason });
    });
    return settleBatch(unique, values, missing, owed);
  }
}

/** Accepts any backend with the right shape, so a second copy of vaultly's Backend still fits. */
export function isBackend(value: unknown): value is Backend {
  return (
    value instanceof Backend ||
    (typeof value === 'object' &&
      value !== null &&
      typeof (value as Backend).get === 'function' &&
      typeof (value as Backend).getBatch === 'function')
  );
}
