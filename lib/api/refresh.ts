import { fieldOf } from '../model/fieldOf.js';
import type { ReadOptions } from './getSecret.js';

/**
 * Fetches one secret again now and resolves to its new (cast) value. Readers keep the old value
 * until the new one is stored; a failure leaves the old value in place. A name that is not a
 * secret field throws `ConfigError`.
 *
 * @param config - a bound model (root or nested)
 * @param name - the name of a `@Secret` property
 * @example
 * ```ts
 * const password = await refresh(config, 'dbPassword'); // after rotating it in the backend
 * ```
 */
export async function refresh<T extends object, K extends keyof T & string>(config: T, name: K, options: ReadOptions = {}): Promise<T[K]> {
  const { binding, state } = fieldOf(config, name, 'refresh');
  return (await state.runtime.refresh(binding, options.signal)) as T[K];
}
