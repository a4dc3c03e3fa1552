/** Defaults of the rotation API. Durations are seconds. */

/** Seconds between two refreshes of one secret that failing `withSecret` callbacks may start. */
export const DEFAULT_WITH_SECRET_REFRESH_INTERVAL = 1;
