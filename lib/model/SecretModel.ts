import { inject, injectable, optional, postConstruct, preDestroy } from 'inversify';
import { isRefreshJitter, REFRESH_JITTER_RULE } from '../cache/isRefreshJitter.js';
import { DEFAULT_STALE_ON_ERROR, DEFAULT_VALIDATE } from '../constants.js';
import { WIRING } from '../container/tokens.js';
import { ConfigError } from '../errors.js';
import { bindModel, type Wiring } from './bindModel.js';
import { installMasking } from './masking.js';
import { getModelOptions, setModelOptions, ValidateMode, type SecretModelOptions } from './metadata.js';
import { stateOf } from './stateOf.js';
import { InstanceState } from './InstanceState.js';
import { kDispose, kInit, kWiring } from './symbols.js';

const MODES = new Set<string>(Object.values(ValidateMode));
const noop = (): void => undefined;

/**
 * Makes a class a secret model: injectable by inversify (a plain `bind(Model).toSelf()` is
 * enough once `vaultlyModule` is loaded), bound to the container's backend and cache after
 * construction, validated per `validate`, and disposed when the container deactivates it.
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
    Object.defineProperty(prototype, kInit, { value: init, configurable: true });
    Object.defineProperty(prototype, kDispose, { value: disposeHook, configurable: true });
    injectable()(target);
    inject(WIRING)(prototype, kWiring);
    optional()(prototype, kWiring);
    postConstruct()(prototype, kInit, Object.getOwnPropertyDescriptor(prototype, kInit) as PropertyDescriptor);
    preDestroy()(prototype, kDispose, Object.getOwnPropertyDescriptor(prototype, kDispose) as PropertyDescriptor);
  };
}

/** `@postConstruct`: binds a container-made model; a `'fetch'` model resolves once prefetched. */
function init(this: object): Promise<void> | undefined {
  const holder = this as { [kWiring]?: Wiring };
  const wiring = holder[kWiring];
  delete holder[kWiring];
  if (wiring === undefined) {
    throw new ConfigError(`${this.constructor.name}: the container has no vaultly bindings; load vaultlyModule({ backend }) into it`);
  }
  if (getModelOptions(this.constructor)?.validate === ValidateMode.Fetch && calledFromSyncGet()) {
    throw new ConfigError(
      `${this.constructor.name} has validate: 'fetch' and is prefetched asynchronously: resolve it with await container.getAsync(${this.constructor.name}), not container.get()`,
    );
  }
  const { runtime, options } = bindModel(this, wiring);
  if (options.validate !== ValidateMode.Fetch) return undefined;
  const ready = runtime.prefetch().catch((error: unknown) => {
    runtime.dispose();
    throw error;
  });
  // A sync container.get() never awaits this promise: keep its failure from going unhandled.
  ready.catch(noop);
  return ready;
}

/**
 * Whether inversify is resolving us for a synchronous `get`/`getAll`. inversify would throw its
 * own "Unexpected asynchronous service" error and leave our prefetch promise unhandled; saying
 * "use getAsync" before starting any work is better on both counts. Reading the stack is the only
 * signal inversify offers; when the frames are unrecognisable (a bundler renamed them) we answer
 * false and fall back to inversify's own error.
 */
function calledFromSyncGet(): boolean {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 100;
  const stack = new Error().stack ?? '';
  Error.stackTraceLimit = limit;
  if (/ServiceResolutionManager\.get(All)?Async \(/.test(stack)) return false;
  return /ServiceResolutionManager\.get(All)? \(/.test(stack);
}

/** `@preDestroy`: a deactivated or unbound model stops its background work. */
function disposeHook(this: object): void {
  if (InstanceState.isBound(this)) stateOf(this, 'dispose').runtime.dispose();
}
