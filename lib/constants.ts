/** Defaults, in one place. Durations are seconds unless the name says otherwise. */

/** How many `get` calls the default `Backend.getBatch` runs at once. */
export const DEFAULT_BATCH_CONCURRENCY = 8;

/** Default validation mode of a `@SecretModel`. */
export const DEFAULT_VALIDATE = 'paths';

/** Default `staleOnError` of a `@SecretModel`. */
export const DEFAULT_STALE_ON_ERROR = false;

/** The mask shown in place of every secret value. */
export const MASK = '***';

/** Seconds before a failed background refresh of the same secret is tried again. */
export const DEFAULT_REFRESH_COOLDOWN = 1;

/**
 * Default `refreshJitter`: the share of its ttl by which an entry's expiry is brought forward, at
 * random (`ttl * (1 - refreshJitter * random())`). 0.2 spreads the refreshes of caches filled
 * together (a fleet booted at once) over a fifth of the ttl, one second of a 5 s ttl, twice what
 * 0.1 would, for entries that live on average 10% shorter (5% with 0.1). Expiry only ever comes
 * early: no value is served longer than its ttl says.
 */
export const DEFAULT_REFRESH_JITTER = 0.2;
