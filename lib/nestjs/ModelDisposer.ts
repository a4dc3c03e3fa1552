import type { OnApplicationShutdown } from '@nestjs/common';
import { dispose } from '../api/dispose.js';
import type { SecretCache } from '../cache/SecretCache.js';

/**
 * Disposes the models of one `VaultlyModule` instance and its cache when the app closes. It runs
 * in `onApplicationShutdown`, the last phase of `app.close()`, so that services can still read
 * secrets in their own `onModuleDestroy` and `beforeApplicationShutdown`.
 */
export class ModelDisposer implements OnApplicationShutdown {
  readonly #cache: SecretCache;
  readonly #models: readonly object[];

  constructor(cache: SecretCache, models: readonly object[]) {
    this.#cache = cache;
    this.#models = models;
  }

  onApplicationShutdown(): void {
    for (const model of this.#models) dispose(model);
    this.#cache.dispose();
  }
}
