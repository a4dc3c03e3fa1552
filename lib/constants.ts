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
