import { stateOf } from '../model/stateOf.js';
import type { ReadOptions } from './getSecret.js';

/**
 * Expires the root model's whole cache partition (ttl-less entries too) and fetches again, in
 * one batch, every secret that had been loaded. Other root models are untouched. Until the new
 * values arrive, readers get the previous ones (a stale read starts no second fetch).
 *
 * @example
 * ```ts
 * await refreshAll(config);
 * ```
 */
export async function refreshAll(config: object, options: ReadOptions = {}): Promise<void> {
  await stateOf(config, 'refreshAll').runtime.refreshAll(options.signal);
}
