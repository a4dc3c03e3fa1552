import type { Clock } from './Clock.js';
import { isRefreshJitter, REFRESH_JITTER_RULE } from './isRefreshJitter.js';
import type { SecretCacheOptions } from './SecretCache.js';

/**
 * The cache options among a `vaultlyModule` or `bindSecrets` options object, checked now (not at
 * the first resolution) with errors that name `where`. Absent options stay absent, so that
 * `exactOptionalPropertyTypes` holds and the cache applies its defaults.
 */
export function pickCacheOptions(options: { clock?: Clock; refreshJitter?: number; random?: () => number }, where: string): SecretCacheOptions {
  const { clock, refreshJitter, random } = options;
  if (refreshJitter !== undefined && !isRefreshJitter(refreshJitter)) throw new TypeError(`${where}: options.refreshJitter ${REFRESH_JITTER_RULE}`);
  if (random !== undefined && typeof random !== 'function') throw new TypeError(`${where}: options.random must be a function returning numbers in [0, 1)`);
  return {
    ...(clock === undefined ? {} : { clock }),
    ...(refreshJitter === undefined ? {} : { refreshJitter }),
    ...(random === undefined ? {} : { random }),
  };
}
