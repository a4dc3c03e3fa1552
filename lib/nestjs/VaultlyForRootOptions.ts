import type { DynamicModule, ForwardReference, InjectionToken, OptionalFactoryDependency, Type } from '@nestjs/common';
import type { Backend } from '../backends/Backend.js';
import type { RetryOptions } from '../backends/RetryingBackend.js';
import type { Clock } from '../cache/Clock.js';
import type { Logger } from '../logging/Logger.js';

/** A `@SecretModel` class. */
export type ModelClass<T extends object = object> = new (...args: never[]) => T;

/**
 * A model whose instance the app constructs, for a model that needs constructor context (a
 * `stage`, a region). The module binds what the factory returns and, for `validate: 'fetch'`,
 * prefetches it.
 *
 * @example
 * ```ts
 * { model: DbConfig, inject: [ConfigService], useFactory: (config: ConfigService) => new DbConfig(config.get('STAGE')) }
 * ```
 */
export interface VaultlyModelProvider<T extends object = object> {
  /** The `@SecretModel` class; also the provider token services inject. */
  model: ModelClass<T>;
  /**
   * Constructs the (unbound) instance from the `inject` providers, possibly asynchronously.
   * (default: `new model(...injected)`)
   */
  useFactory?: (...injected: never[]) => T | Promise<T>;
  /** Providers handed to `useFactory` (or to the constructor), in order. (default: none) */
  inject?: Array<InjectionToken | OptionalFactoryDependency>;
}

/** A model of {@link VaultlyForRootOptions.models}: a class constructed with `new Model()`, or a provider. */
export type VaultlyModelEntry = ModelClass | VaultlyModelProvider;

/** Options of `VaultlyModule.forRoot`. */
export interface VaultlyForRootOptions {
  /** Where secrets come from; provided as `VAULTLY.Backend`, which tests can override. */
  backend: Backend;
  /** The models to provide, each bound (and prefetched for `validate: 'fetch'`) before the app starts. */
  models: readonly VaultlyModelEntry[];
  /** Wrap the backend (also an overriding one) in a `RetryingBackend` with these options. (default: no retry wrapper) */
  retry?: RetryOptions;
  /** Where vaultly logs: an object with `warn` (and optionally `debug`, `error`) taking `(fields, message)`. (default: silent) */
  logger?: Logger;
  /** Modules whose providers the models' `inject` lists need (a global module needs no entry). (default: none) */
  imports?: Array<Type | DynamicModule | Promise<DynamicModule> | ForwardReference>;
  /** Register a global module, so every module can inject the models. (default: false) */
  global?: boolean;
  /** Time source for cache expiry. (default: the system clock) */
  clock?: Clock;
}
