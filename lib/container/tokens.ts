import type { ServiceIdentifier } from 'inversify';
import type { Backend } from '../backends/Backend.js';
import type { RetryOptions } from '../backends/RetryingBackend.js';
import type { SecretCache } from '../cache/SecretCache.js';
import type { Logger } from '../logging/Logger.js';

/**
 * Service identifiers bound by {@link vaultlyModule}. They are `Symbol.for` keys, so two copies
 * of vaultly in one process agree on them.
 *
 * @example
 * ```ts
 * container.rebind(VAULTLY.Backend).toConstantValue(new MockBackend({ '/prod/db/password': 'x' }));
 * ```
 */
export const VAULTLY = Object.freeze({
  /** The backend as given to the module (the retry wrapper is applied on top of it). */
  Backend: Symbol.for('vaultly.Backend') as ServiceIdentifier<Backend>,
  /** Options of the retry wrapper; absent when the module has no `retry` option. */
  RetryOptions: Symbol.for('vaultly.RetryOptions') as ServiceIdentifier<RetryOptions>,
  /** The container's one secret cache. */
  Cache: Symbol.for('vaultly.Cache') as ServiceIdentifier<SecretCache>,
  /** Where vaultly logs. */
  Logger: Symbol.for('vaultly.Logger') as ServiceIdentifier<Logger>,
});
