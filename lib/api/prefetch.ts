import { stateOf } from '../model/stateOf.js';
import type { ReadOptions } from './getSecret.js';

/**
 * Loads every secret of a model tree: all unversioned unique paths in one `backend.getBatch`,
 * then each versioned one by `backend.get`; every value is cast and stored only if all succeed.
 * Fields that resolve to the same key share one fetch. Missing secrets reject with one
 * `SecretNotFoundError` naming every missing path.
 *
 * @example
 * ```ts
 * await prefetch(config);
 * config.dbPassword; // now a synchronous cache hit
 * ```
 */
export async function prefetch(config: object, options: ReadOptions = {}): Promise<void> {
  await stateOf(config, 'prefetch').runtime.prefetch(options.signal);
}
