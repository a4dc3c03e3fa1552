import { randomUUID } from 'node:crypto';
import type { DynamicModule, Provider } from '@nestjs/common';
import { isBackend, type Backend } from '../backends/Backend.js';
import { RetryingBackend, type RetryOptions } from '../backends/RetryingBackend.js';
import { SecretCache } from '../cache/SecretCache.js';
import { VAULTLY } from '../container/tokens.js';
import { silentLogger, type Logger } from '../logging/Logger.js';
import type { Wiring } from '../model/bindModel.js';
import { DEFAULT_NEST_GLOBAL } from './constants.js';
import { modelProvider, modelSpecOf } from './modelProvider.js';
import { ModelDisposer } from './ModelDisposer.js';
import { VAULTLY_NEST } from './tokens.js';
import type { VaultlyForRootOptions } from './VaultlyForRootOptions.js';

/**
 * The NestJS module of vaultly. `forRoot` provides each model class, bound to the backend and to
 * one secret cache per module instance, and prefetched before the app starts when its
 * `validate` is `'fetch'`; `app.close()` disposes the models.
 *
 * @example
 * ```ts
 * @Module({
 *   imports: [VaultlyModule.forRoot({ backend: new EnvBackend(), retry: { maxAttempts: 3 }, models: [AppConfig] })],
 *   providers: [PaymentsService], // constructor(private readonly config: AppConfig) {}
 * })
 * class AppModule {}
 * ```
 */
export class VaultlyModule {
  /**
   * A dynamic module providing `options.models` and, under the `VAULTLY` tokens of 'vaultly', the
   * backend (`VAULTLY.Backend`, which `overrideProvider` can swap in tests), the cache
   * (`VAULTLY.Cache`), the logger (`VAULTLY.Logger`) and the retry options (`VAULTLY.RetryOptions`,
   * when given). Each call is a module instance of its own, with its own cache.
   *
   * @param options.backend - where secrets come from (required)
   * @param options.models - `@SecretModel` classes (constructed with `new Model()`) or
   *   `{ model, useFactory?, inject? }` providers (required)
   * @param options.retry - retry options; the wrapper also applies to an overriding backend (default: no retry)
   * @param options.logger - any object with `warn(fields, message)` (default: silent)
   * @param options.imports - modules the models' `inject` lists need (default: none)
   * @param options.global - make the models injectable in every module (default: false)
   * @param options.clock - injectable time for tests (default: the system clock)
   * @example
   * ```ts
   * VaultlyModule.forRoot({
   *   backend: new EnvBackend(),
   *   models: [AppConfig, { model: DbConfig, inject: [STAGE], useFactory: (stage: string) => new DbConfig(stage) }],
   *   imports: [StageModule],
   * });
   * ```
   */
  static forRoot(options: VaultlyForRootOptions): DynamicModule {
    if (typeof options !== 'object' || options === null) throw new TypeError('VaultlyModule.forRoot: options must be an object with a backend and models');
    if (!isBackend(options.backend)) {
      throw new TypeError('VaultlyModule.forRoot: options.backend must be a Backend (an object with get and getBatch methods)');
    }
    if (!Array.isArray(options.models)) throw new TypeError('VaultlyModule.forRoot: options.models must be an array of @SecretModel classes');
    if (options.imports !== undefined && !Array.isArray(options.imports)) throw new TypeError('VaultlyModule.forRoot: options.imports must be an array of modules');
    if (options.global !== undefined && typeof options.global !== 'boolean') throw new TypeError('VaultlyModule.forRoot: options.global must be a boolean');
    if (options.retry !== undefined) new RetryingBackend(options.backend, options.retry); // reject bad retry options now, not at start-up
    const specs = options.models.map(modelSpecOf);
    const models = specs.map((spec) => spec.model);
    models.forEach((model, index) => {
      if (models.indexOf(model) !== index) throw new TypeError(`VaultlyModule.forRoot: options.models lists ${model.name} twice`);
    });

    const { backend, retry, logger = silentLogger, clock, imports = [], global = DEFAULT_NEST_GLOBAL } = options;
    // Factories rather than useValue: with moduleIdGeneratorAlgorithm 'deep-hash', Nest identifies
    // a dynamic module by serialising its metadata, a useValue (a backend, its client and its
    // credentials) included. The Instance key keeps two forRoot calls apart under that algorithm,
    // whose hash of factory source text alone would merge them into one module.
    const providers: Provider[] = [
      { provide: VAULTLY_NEST.Instance, useValue: randomUUID() },
      { provide: VAULTLY.Backend, useFactory: () => backend },
      { provide: VAULTLY.Logger, useFactory: () => logger },
      { provide: VAULTLY.Cache, useFactory: () => new SecretCache(clock === undefined ? {} : { clock }) },
      {
        provide: VAULTLY_NEST.Wiring,
        inject: [VAULTLY.Backend, { token: VAULTLY.RetryOptions, optional: true }, VAULTLY.Cache, VAULTLY.Logger],
        useFactory: (inner: Backend, retryOptions: RetryOptions | undefined, cache: SecretCache, log: Logger): Wiring => ({
          backend: retryOptions === undefined ? inner : new RetryingBackend(inner, { logger: log, ...retryOptions }),
          cache,
          logger: log,
        }),
      },
      ...specs.map(modelProvider),
      {
        provide: VAULTLY_NEST.Shutdown,
        inject: [VAULTLY.Cache, ...models],
        useFactory: (cache: SecretCache, ...instances: object[]) => new ModelDisposer(cache, instances),
      },
    ];
    if (retry !== undefined) providers.push({ provide: VAULTLY.RetryOptions, useFactory: () => retry });
    return {
      module: VaultlyModule,
      global,
      imports: [...imports],
      providers,
      exports: [VAULTLY.Backend, VAULTLY.Cache, VAULTLY.Logger, ...models],
    };
  }
}
