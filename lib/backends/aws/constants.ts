/**
 * Defaults shared by the AWS backends (`AWSSSMBackend`, `AWSSecretsManagerBackend`), in one place.
 * Durations here are milliseconds, as the SDK takes them.
 */

/** How long a connection may take to open, when a backend builds its own client (2 s). */
export const DEFAULT_AWS_CONNECTION_TIMEOUT_MS = 2_000;

/** How long a request may wait for its response, when a backend builds its own client (5 s). */
export const DEFAULT_AWS_REQUEST_TIMEOUT_MS = 5_000;

/**
 * SDK attempts per call when a backend builds its own client: one, because vaultly's
 * `RetryingBackend` owns retries and their deadline (retry in one layer, not both).
 */
export const DEFAULT_AWS_MAX_ATTEMPTS = 1;

/** How many batch calls `getBatch` keeps in flight at once. */
export const DEFAULT_AWS_BATCH_CONCURRENCY = 4;

/**
 * How many batch calls beyond `concurrency` are under way at once: each is made ready by the SDK
 * (built, signed, serialized) while the others are on the wire, and goes on the wire as soon as a
 * slot frees. One is enough to hide the SDK's time behind the service's latency (measured: bench
 * boot-wall-equal-concurrency).
 */
export const AWS_BATCH_READY_AHEAD = 1;
