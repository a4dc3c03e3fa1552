/**
 * Whether `value` is a valid `refreshJitter`: a finite number in [0, 1). At 1 an entry could
 * expire the moment it is stored.
 */
export function isRefreshJitter(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 && value < 1;
}

/** What every rejection of a bad `refreshJitter` says (never the value: options are not secret, but keep one rule). */
export const REFRESH_JITTER_RULE = 'must be a number from 0 (no jitter) up to, not including, 1';
