import { inject, injectable, optional, postConstruct, preDestroy } from 'inversify';
import { isRefreshJitter, REFRESH_JITTER_RULE } from '../cache/isRefreshJitter.js';
import { DEFAULT_STALE_ON_ERROR, DEFAULT_VALIDATE } from '../constants.js';
import { ConfigError } from '../errors.js';
import type { Wiring } from './bindModel.js';
import { installMasking } from './masking.js';
import { setModelOptions, ValidateMode, type SecretModelOptions } from './metadata.js';
import { bootModel, ModelBoot } from './ModelBoot.js';
import { BOOT, WIRING } from './modelTokens.js';
import { stateOf } from './stateOf.js';
import { InstanceState } from './InstanceState.js';
import { kDispose, kInit, kWiring } from './symbols.js';

const MODES = new Set<string>(Object.values(ValidateMode));

/**
 * Makes a class a secret model: injectable by inversify (a plain `bind(Model).toSelf()` is
 * enough once `vaultlyModule` is loaded), bound to the container's backend and cache after
 * construction, validated per `validate`, and disposed when the container deactivates it.
 * A `'fetch'` model is asynchronous to inversify: resolve it with `await container.getAsync(Model)`,
 * which rejects with vaultly's own error when the prefetch fails.
 *
 * @param options.validate - `'none'`, `'paths'` or `'fetch'` (default: `'paths'`)
 * @param options.staleOnError - serve the last value when a refresh fails transiently (default: `false`)
 * @param options.refreshJitter - share of its ttl by which a secret's expiry comes early at random, `0` for none (default: the container's, `0.2`)
 * @example
 * ```ts
 * @SecretModel({ validate: 'fetch', staleOnError: true })
 * class AppConfig {
 *   stage = 'prod';
 *   @Secret('/{stage}/db/password', 300) dbPassword!: string;
 * }
 * container.bind(AppConfig).toSelf().inSingletonScope();
 * const config = await container.getAsync(AppConfig);
 * ```
 */
export function SecretModel(options: SecretModelOptions = {}): ClassDecorator {
  return (target) => {
    const where = `@SecretModel on ${target.name}`;
    if (typeof options !== 'object' || options === null) throw new ConfigError(`${where}: options must be an object`);
    const validate = options.validate ?? DEFAULT_VALIDATE;
    if (!MODES.has(validate)) throw new ConfigError(`${where}: validate must be one of ${[...MODES].join(', ')}`);
    const staleOnError = options.staleOnError ?? DEFAULT_STALE_ON_ERROR;
    if (typeof staleOnError !== 'boolean') throw new ConfigError(`${where}: staleOnError must be a boolean`);
    const { refreshJitter } = options;
    if (refreshJitter !== undefined && !isRefreshJitter(refreshJitter)) throw new ConfigError(`${where}: refreshJitter ${REFRESH_JITTER_RULE}`);
    setModelOptions(target, Object.freeze(refreshJitter === undefined ? { validate, staleOnError } : { validate, staleOnError, refreshJitter }));

    const prototype = target.prototype as object;
    installMasking(prototype);
    Object.defineProperty(prototype, kWiring, { set: receiveWiring, configurable: true });
    Object.defineProperty(prototype, kInit, { value: init, configurable: true });
    Object.defineProperty(prototype, kDispose, { value: disposeHook, configurable: true });
    injectable()(target);
    // A 'fetch' model is injected with a promise-like boot, so inversify itself refuses a sync
    // container.get() of it, and getAsync rejects with the boot's own error (see ModelBoot).
    inject(validate === ValidateMode.Fetch ? BOOT : WIRING)(prototype, kWiring);
    optional()(prototype, kWiring);
    postConstruct()(prototype, kInit, Object.getOwnPropertyDescriptor(prototype, kInit) as PropertyDescriptor);
    preDestroy()(prototype, kDispose, Object.getOwnPropertyDescriptor(prototype, kDispose) as PropertyDescriptor);
  };
}

/** Where inversify assigns the injected wiring or boot: a boot learns which model it is for. */
function receiveWiring(this: object, value: unknown): void {
  if (value instanceof ModelBoot) value.attach(this);
  Object.defineProperty(this, kWiring, { value, writable: true, configurable: true });
}

/**
 * `@postConstruct`: binds a container-made model, unless its {@link ModelBoot} already did (a
 * `'fetch'` model, booted before the hooks run). A boot that could not attach left the wiring
 * here instead: a `'fetch'` model then resolves once prefetched.
 */
function init(this: object): Promise<void> | undefined {
  const holder = this as { [kWiring]?: Wiring };
  const wiring = holder[kWiring];
  delete holder[kWiring];
  if (wiring === undefined) {
    if (InstanceState.isBound(this)) return undefined;
    throw new ConfigError(`${this.constructor.name}: the container has no vaultly bindings; load vaultlyModule({ backend }) into it`);
  }
  return bootModel(this, wiring);
}

/** `@preDestroy`: a deactivated or unbound model stops its background work. */
function disposeHook(this: object): void {
  if (InstanceState.isBound(this)) stateOf(this, 'dispose').runtime.dispose();
}
