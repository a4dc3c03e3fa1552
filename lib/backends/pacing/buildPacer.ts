import { AdaptiveRateLimiter } from './AdaptiveRateLimiter.js';

/** The pacing options every backend with a client-side pacer takes. */
export interface PacingOptions {
  /** A ceiling in requests per second for this backend's pacer (default: none). */
  rateLimit?: number;
  /**
   * The pacer every request waits on: one is built by default (with `rateLimit`); pass one to
   * share it between backends, or `false` for no pacing.
   */
  rateLimiter?: AdaptiveRateLimiter | false;
}

/**
 * Validates a backend's `rateLimit` / `rateLimiter` options and returns its pacer (`undefined`
 * with `rateLimiter: false`).
 *
 * @param where - the backend's name, for the TypeError naming a bad option
 * @param options - the backend's options
 * @throws TypeError naming the option, when an option is invalid
 */
export function buildPacer(where: string, options: PacingOptions): AdaptiveRateLimiter | undefined {
  const { rateLimit, rateLimiter } = options;
  if (rateLimiter !== undefined && rateLimiter !== false && !(rateLimiter instanceof AdaptiveRateLimiter)) {
    throw new TypeError(`${where}: options.rateLimiter must be an AdaptiveRateLimiter or false`);
  }
  if (rateLimiter !== undefined && rateLimit !== undefined) {
    throw new TypeError(`${where}: options.rateLimit cannot be combined with options.rateLimiter (give the limiter its rateLimit)`);
  }
  if (rateLimit !== undefined && (typeof rateLimit !== 'number' || !(rateLimit > 0))) {
    throw new TypeError(`${where}: options.rateLimit must be a number of requests per second > 0, got ${String(rateLimit)}`);
  }
  if (rateLimiter === false) return undefined;
  return rateLimiter ?? new AdaptiveRateLimiter(rateLimit === undefined ? {} : { rateLimit });
}
