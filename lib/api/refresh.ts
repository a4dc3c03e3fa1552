import { fieldOf } from '../model/ModelState.js';
import type { ReadOptions } from './getSecret.js';

/**
 * Fetches one secret again now. Readers keep the old value until the new one is stored; a
 * failure leaves the old value in place. A name that is not a secret field throws `ConfigError`.
 *
 * @example
 * ```ts
 * await refresh(config, 'dbPassword'); // after rotating it in the backend
 * ```
 */
export async function refresh<T extends object>(config: T, name: keyof T & string, options: ReadOptions = {}): Promise<void> {
  const { binding, state } = fieldOf(config, name, 'refresh');
  await state.runtime.refresh(binding, options.signal);
}
