/**
 * Internal provider tokens of `VaultlyModule`. The public ones (`VAULTLY.Backend`, `.Cache`,
 * `.Logger`, `.RetryOptions`) are the `Symbol.for` keys of the root entry, shared with the
 * inversify module; these are `Symbol.for` keys too, so two copies of vaultly agree on them.
 */
export const VAULTLY_NEST = Object.freeze({
  /** What every model of one module instance is bound to: the (retry-wrapped) backend, cache and logger. */
  Wiring: Symbol.for('vaultly.nestjs.Wiring'),
  /** The provider whose `onApplicationShutdown` disposes the models and the cache. */
  Shutdown: Symbol.for('vaultly.nestjs.Shutdown'),
  /** A value unique to each `forRoot` call, so that Nest never merges two calls into one module. */
  Instance: Symbol.for('vaultly.nestjs.Instance'),
});
