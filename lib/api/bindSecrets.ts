import { isBackend, type Backend } from '../backends/Backend.js';
import { SecretCache } from '../cache/SecretCache.js';
import type { Clock } from '../cache/Clock.js';
import { pickCacheOptions } from '../cache/pickCacheOptions.js';
import { silentLogger, type Logger } from '../logging/Logger.js';
import { bindModel } from '../model/bindModel.js';
import { ValidateMode } from '../model/metadata.js';

/** Options of {@link bindSecrets}. */
export interface BindSecretsOptions {
  /** Where the secrets come from. */
  backend: Backend;
  /** Where vaultly logs. (default: silent) */
  logger?: Logger;
  /** Time source for expiry. (default: the system clock) */
  clock?: Clock;
  /**
   * Share of its ttl by which each secret's expiry comes early at random; `0` turns it off; the
   * model's `@SecretModel({ refreshJitter })` takes precedence. (default: `0.2`)
   */
  refreshJitter?: number;
  /** Uniform random numbers in [0, 1), for `refreshJitter`. (default: `Math.random`) */
  random?: () => number;
}

/**
 * Binds a constructed model, without a container, to a backend and a cache of its own, applies
 * its `validate` mode (`'fetch'` prefetches), and resolves to the same instance.
 *
 * @example
 * ```ts
 * const config = await bindSecrets(new AppConfig(), { backend: new EnvBackend() });
 * ```
 */
export async function bindSecrets<T extends object>(instance: T, options: BindSecretsOptions): Promise<T> {
  if (typeof instance !== 'object' || instance === null) throw new TypeError('bindSecrets: instance must be an object');
  if (typeof options !== 'object' || options === null) throw new TypeError('bindSecrets: options must be an object with a backend');
  if (!isBackend(options.backend)) throw new TypeError('bindSecrets: options.backend must be a Backend (an object with get and getBatch methods)');
  const cache = new SecretCache(pickCacheOptions(options, 'bindSecrets'));
  const { runtime, options: modelOptions } = bindModel(instance, {
    backend: options.backend,
    cache,
    logger: options.logger ?? silentLogger,
  });
  if (modelOptions.validate === ValidateMode.Fetch) {
    try {
      await runtime.prefetch();
    } catch (error) {
      runtime.dispose();
      throw error;
    }
  }
  return instance;
}
