import { ContainerModule } from 'inversify';
import { isBackend, type Backend } from '../backends/Backend.js';
import { RetryingBackend, type RetryOptions } from '../backends/RetryingBackend.js';
import type { Clock } from '../cache/Clock.js';
import { pickCacheOptions } from '../cache/pickCacheOptions.js';
import { SecretCache } from '../cache/SecretCache.js';
import { silentLogger, type Logger } from '../logging/Logger.js';
import type { Wiring } from '../model/bindModel.js';
import { ModelBoot } from '../model/ModelBoot.js';
import { BOOT, WIRING } from '../model/modelTokens.js';
import { VAULTLY } from './tokens.js';

/** Options of {@link vaultlyModule}. */
export interface VaultlyModuleOptions {
  /** Where secrets come from; bound as `VAULTLY.Backend`. */
  backend: Backend;
  /** Wrap the backend in a `RetryingBackend` with these options. (default: no retry wrapper) */
  retry?: RetryOptions;
  /** Where vaultly logs; bound as `VAULTLY.Logger`. (default: silent) */
  logger?: Logger;
  /** Time source for cache expiry. (default: the system clock) */
  clock?: Clock;
  /**
   * Share of its ttl by which each secret's expiry comes early at random, so that a fleet booted
   * together does not refresh together; `0` turns it off; a model's `@SecretModel({ refreshJitter })`
   * takes precedence. (default: `0.2`)
   */
  refreshJitter?: number;
  /** Uniform random numbers in [0, 1), for `refreshJitter`. (default: `Math.random`) */
  random?: () => number;
}

/**
 * A container module binding `VAULTLY.Backend`, `VAULTLY.RetryOptions` (when `retry` is given),
 * `VAULTLY.Cache` (one singleton cache per container) and `VAULTLY.Logger`. A `@SecretModel`
 * then needs nothing but `bind(Model).toSelf()`. The module touches no global state and can be
 * loaded into several containers, each getting its own cache.
 *
 * @param options.backend - the backend (required)
 * @param options.retry - retry options; the wrapper also applies to a backend swapped in by `rebind`
 * @param options.logger - any object with `warn` (default: silent)
 * @param options.clock - injectable time for tests (default: system clock)
 * @param options.refreshJitter - share of a ttl by which expiry comes early at random, `0` for none (default: `0.2`)
 * @param options.random - injectable randomness for tests (default: `Math.random`)
 * @example
 * ```ts
 * const container = new Container();
 * container.load(vaultlyModule({ backend: new EnvBackend(), retry: { maxAttempts: 3, totalTimeout: 8 } }));
 * container.bind(AppConfig).toSelf().inSingletonScope();
 * const config = await container.getAsync(AppConfig);
 * ```
 */
export function vaultlyModule(options: VaultlyModuleOptions): ContainerModule {
  if (typeof options !== 'object' || options === null) throw new TypeError('vaultlyModule: options must be an object with a backend');
  if (!isBackend(options.backend)) throw new TypeError('vaultlyModule: options.backend must be a Backend (an object with get and getBatch methods)');
  if (options.retry !== undefined) new RetryingBackend(options.backend, options.retry); // reject bad retry options now, not at first resolution
  const { backend, retry, logger = silentLogger } = options;
  const cacheOptions = pickCacheOptions(options, 'vaultlyModule');
  // One retry wrapper per backend, logger and options, not one per resolution: the cache shares
  // fetches in flight per backend instance, so every root must see the same one.
  const wrappers = new WeakMap<Backend, { retry: RetryOptions; logger: Logger; backend: Backend }>();
  const wrapped = (inner: Backend, retryOptions: RetryOptions, log: Logger): Backend => {
    const known = wrappers.get(inner);
    if (known !== undefined && known.retry === retryOptions && known.logger === log) return known.backend;
    const backend = new RetryingBackend(inner, { logger: log, ...retryOptions });
    wrappers.set(inner, { retry: retryOptions, logger: log, backend });
    return backend;
  };
  return new ContainerModule(({ bind }) => {
    bind(VAULTLY.Backend).toConstantValue(backend);
    if (retry !== undefined) bind(VAULTLY.RetryOptions).toConstantValue(retry);
    bind(VAULTLY.Logger).toConstantValue(logger);
    bind(VAULTLY.Cache)
      .toDynamicValue(() => new SecretCache(cacheOptions))
      .inSingletonScope()
      .onDeactivation((cache) => cache.dispose());
    bind(WIRING).toResolvedValue(
      (inner: Backend, retryOptions: RetryOptions | undefined, cache: SecretCache, log: Logger): Wiring => ({
        backend: retryOptions === undefined ? inner : wrapped(inner, retryOptions, log),
        cache,
        logger: log,
      }),
      [VAULTLY.Backend, { optional: true, serviceIdentifier: VAULTLY.RetryOptions }, VAULTLY.Cache, VAULTLY.Logger],
    );
    // One boot per model: in singleton scope inversify would await (start) it before any model has it.
    bind(BOOT)
      .toResolvedValue((wiring: Wiring) => new ModelBoot(wiring), [WIRING])
      .inTransientScope();
  });
}
