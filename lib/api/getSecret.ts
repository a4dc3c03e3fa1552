import { fieldOf } from '../model/fieldOf.js';

/** Options of a single awaited read. */
export interface ReadOptions {
  /** Stops this caller waiting; a fetch shared with other callers goes on. */
  signal?: AbortSignal;
}

/**
 * Reads a secret field, fetching it if it is missing or expired: a fresh hit resolves at once;
 * a miss or an expired entry fetches through the backend, once per key however many callers
 * wait; a `TransientError` that survives the retries resolves to the stale value when the model
 * has `staleOnError` and one was cached (logging a warning), and rejects otherwise.
 *
 * @param config - a bound model (root or nested)
 * @param name - the name of a `@Secret` property
 * @example
 * ```ts
 * const key = await getSecret(config, 'apiKey');
 * ```
 */
export function getSecret<T extends object, K extends keyof T & string>(config: T, name: K, options: ReadOptions = {}): Promise<T[K]> {
  let binding;
  let runtime;
  try {
    ({ binding, state: { runtime } } = fieldOf(config, name, 'getSecret'));
  } catch (error) {
    return Promise.reject(error);
  }
  // A fresh hit resolves without entering the async fetch machinery.
  if (runtime.isFresh(binding)) return Promise.resolve(binding.value as T[K]);
  return runtime.read(binding, options.signal) as Promise<T[K]>;
}
