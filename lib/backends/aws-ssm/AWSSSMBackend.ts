import { GetParameterCommand, GetParametersCommand, SSMClient } from './clientSsm.js';
import type { GetParametersCommandOutput, SSMClientConfig } from '@aws-sdk/client-ssm';

import { setMaxListeners } from 'node:events';

import { ConfigError, TransientError } from '../../errors.js';
import { raceAbort } from '../../internal/abort.js';
import { mapUntilFailure } from '../../internal/mapUntilFailure.js';
import { Backend } from '../Backend.js';
import type { BackendBatchOptions, BackendGetOptions } from '../Backend.js';
import { AdaptiveRateLimiter } from '../pacing/AdaptiveRateLimiter.js';
import { buildPacer } from '../pacing/buildPacer.js';
import { isThrottlingError } from '../pacing/isThrottlingError.js';
import { retryAfterOf } from '../pacing/retryAfterOf.js';
import { markThrottled } from '../pacing/throttleInfo.js';
import type { OwedPaths } from '../PartialBatchError.js';
import { settleBatch } from '../settleBatch.js';
import {
  DEFAULT_SSM_BATCH_CONCURRENCY,
  DEFAULT_SSM_CONNECTION_TIMEOUT_MS,
  DEFAULT_SSM_MAX_ATTEMPTS,
  DEFAULT_SSM_REQUEST_TIMEOUT_MS,
  DEFAULT_SSM_WITH_DECRYPTION,
  SSM_GET_PARAMETERS_CHUNK_SIZE,
} from './constants.js';
import { mapSsmError } from './mapSsmError.js';

/** Options of {@link AWSSSMBackend}. Every field is optional. */
export interface AWSSSMBackendOptions {
  /** Region of the client the backend builds (wins over `clientConfig.region`). */
  region?: string;
  /**
   * A ready client, used as given: its timeouts and retries are yours. Cannot be combined with
   * `region` or `clientConfig`.
   */
  client?: SSMClient;
  /**
   * Configuration of the client the backend builds. Unless it says otherwise the client gets
   * `maxAttempts: 1` and a request handler with a 2 s connect timeout and a 5 s request timeout
   * that really rejects (`throwOnRequestTimeout`). Handler options you pass as a plain object
   * (`requestHandler: { requestTimeout: 500 }`) are merged over those defaults; a handler instance
   * is used as is.
   */
  clientConfig?: SSMClientConfig;
  /** Whether SecureString values are decrypted (default: `true`). */
  withDecryption?: boolean;
  /** How many `GetParameters` calls of 10 names `getBatch` runs at once (default: 4). */
  concurrency?: number;
  /**
   * A ceiling on this backend's requests per second, e.g. your share of the account's SSM quota
   * (40/s by default) when other services read from it too (default: none).
   */
  rateLimit?: number;
  /**
   * The pacer every request waits on: one is built by default (with `rateLimit`); pass one to share
   * it between backends that draw on the same quota, or `false` for no pacing at all.
   */
  rateLimiter?: AdaptiveRateLimiter | false;
}

/**
 * Reads secrets from AWS Systems Manager Parameter Store through `@aws-sdk/client-ssm`.
 *
 * `get` is one `GetParameter` (a numeric `version` reads `name:version`, a string one reads the
 * label `name:label`); `getBatch` is `GetParameters` in chunks of 10. `StringList` values come back
 * as SSM sends them, comma-joined. Failures map onto `SecretNotFoundError`, `AuthError` and
 * `TransientError` (see {@link mapSsmError}); an aborted read rejects with the signal's reason.
 *
 * Every request waits its turn on an {@link AdaptiveRateLimiter}: unpaced until SSM throttles,
 * then slowed to below the rate that was throttled and grown back gradually (the AWS SDK's
 * adaptive CUBIC pacing), with `Retry-After` honoured and `rateLimit` as a ceiling. The limiter
 * belongs to the backend instance, so every model, container and background refresh reading
 * through it shares it. A throttled error is marked as paced, so `RetryingBackend` re-queues it
 * behind the pacer instead of spending an attempt on it.
 *
 * Retry in one layer, not both: a client the backend builds makes one attempt per call, and
 * vaultly's `RetryingBackend` owns retries and their deadline. If you pass your own `client` with
 * SDK retries on, keep `RetryingBackend`'s `maxAttempts` at 1 or the attempts multiply.
 *
 * @param options.region - region of the built client (default: the SDK's region chain)
 * @param options.client - a ready `SSMClient`, used as given (default: one is built)
 * @param options.clientConfig - configuration of the built client (default: `{}`, plus the
 *   timeouts and `maxAttempts: 1` above)
 * @param options.withDecryption - decrypt SecureString values (default: `true`)
 * @param options.concurrency - `GetParameters` calls in flight in `getBatch` (default: 4)
 * @param options.rateLimit - ceiling in requests per second (default: none)
 * @param options.rateLimiter - a shared pacer, or `false` for none (default: one of its own)
 * @example
 * ```ts
 * import { AWSSSMBackend } from 'vaultly/aws-ssm';
 * import { RetryingBackend } from 'vaultly';
 *
 * const backend = new RetryingBackend(new AWSSSMBackend({ region: 'eu-west-1' }), { maxAttempts: 3 });
 * const password = await backend.get('/prod/db/password');
 * const previous = await backend.get('/prod/db/password', { version: 2 });
 * ```
 */
export class AWSSSMBackend extends Backend {
  readonly #client: SSMClient;
  readonly #ownsClient: boolean;
  readonly #withDecryption: boolean;
  readonly #concurrency: number;
  readonly #limiter: AdaptiveRateLimiter | undefined;

  constructor(options: AWSSSMBackendOptions = {}) {
    super();
    const { region, client, clientConfig } = options;
    if (region !== undefined && (typeof region !== 'string' || region.length === 0)) {
      throw new TypeError('AWSSSMBackend: options.region must be a non-empty string');
    }
    if (clientConfig !== undefined && (typeof clientConfig !== 'object' || clientConfig === null)) {
      throw new TypeError('AWSSSMBackend: options.clientConfig must be an object');
    }
    if (client !== undefined) {
      if (typeof client !== 'object' || client === null || typeof (client as { send?: unknown }).send !== 'function') {
        throw new TypeError('AWSSSMBackend: options.client must be an SSMClient');
      }
      if (region !== undefined || clientConfig !== undefined) {
        throw new TypeError('AWSSSMBackend: options.client cannot be combined with options.region or options.clientConfig');
      }
    }
    const withDecryption = options.withDecryption ?? DEFAULT_SSM_WITH_DECRYPTION;
    if (typeof withDecryption !== 'boolean') throw new TypeError('AWSSSMBackend: options.withDecryption must be a boolean');
    const concurrency = options.concurrency ?? DEFAULT_SSM_BATCH_CONCURRENCY;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new TypeError(`AWSSSMBackend: options.concurrency must be a positive integer, got ${String(concurrency)}`);
    }
    this.#limiter = buildPacer('AWSSSMBackend', options);
    this.#withDecryption = withDecryption;
    this.#concurrency = concurrency;
    this.batchConcurrency = concurrency;
    this.#ownsClient = client === undefined;
    this.#client = client ?? new SSMClient(buildClientConfig(region, clientConfig));
  }

  /** The pacer every request of this backend waits on (`undefined` with `rateLimiter: false`). */
  get rateLimiter(): AdaptiveRateLimiter | undefined {
    return this.#limiter;
  }

  /** The SDK client this backend sends through. */
  get client(): SSMClient {
    return this.#client;
  }

  /**
   * Reads one parameter with `GetParameter`.
   * @param path - the parameter name
   * @param options.version - a version number (`name:3`) or a label (`name:label`)
   * @param options.signal - aborts the read; the promise rejects with the signal's reason
   */
  async get(path: string, options: BackendGetOptions = {}): Promise<string> {
    const { version, signal } = options;
    signal?.throwIfAborted();
    checkVersion(path, version);
    const name = version === undefined ? path : `${path}:${String(version)}`;
    const context = { operation: 'GetParameter', paths: [path], signal, ...(version === undefined ? {} : { version }) };
    const command = new GetParameterCommand({ Name: name, WithDecryption: this.#withDecryption });
    const output = await this.#send(() => this.#client.send(command, abortOption(signal)), signal, (error) =>
      mapSsmError(error, context),
    );
    const value = output.Parameter?.Value;
    if (typeof value !== 'string') {
      // A missing or mistyped Value is a broken answer, not a secret: never cache it.
      throw new TransientError(`Reading ${path} failed (SSM GetParameter: the response has no string Parameter.Value)`, { path });
    }
    return value;
  }

  /**
   * Reads many parameters with `GetParameters`, 10 names a call, at most `concurrency` calls at
   * once. Rejects with one `SecretNotFoundError` naming every missing path of every chunk. A chunk
   * that fails with a `TransientError` (throttled, 5xx, timed out) leaves the others running: the
   * batch then rejects with a `PartialBatchError` carrying the values read and owing only the
   * failed chunks. Any other failure rejects the batch and aborts the calls still in flight.
   * @param paths - parameter names (duplicates are read once)
   * @param options.signal - aborts the batch; the promise rejects with the signal's reason
   */
  override async getBatch(paths: readonly string[], options: BackendBatchOptions = {}): Promise<Record<string, string>> {
    const { signal } = options;
    signal?.throwIfAborted();
    const unique = [...new Set(paths)];
    const chunks: string[][] = [];
    for (let i = 0; i < unique.length; i += SSM_GET_PARAMETERS_CHUNK_SIZE) {
      chunks.push(unique.slice(i, i + SSM_GET_PARAMETERS_CHUNK_SIZE));
    }
    const values = Object.create(null) as Record<string, string>; // `__proto__` is a plain key
    const missing: string[] = [];
    const owed: OwedPaths[] = [];
    await mapUntilFailure(
      chunks,
      this.#concurrency,
      signal,
      async (names, chunkSignal) => {
        try {
          const command = new GetParametersCommand({ Names: names, WithDecryption: this.#withDecryption });
          const send = (): Promise<GetParametersCommandOutput> => this.#client.send(command, abortOption(chunkSignal));
          const output = await this.#send(send, chunkSignal, (error) =>
            mapSsmError(error, { operation: 'GetParameters', paths: names, signal: chunkSignal }),
          );
          collectChunk(names, output, values, missing);
        } catch (error) {
          if (TransientError.is(error) && !chunkSignal.aborted) owed.push({ paths: names, error });
          throw error;
        }
      },
      // Each call in flight listens to the batch's signal (the race, the SDK, the pacer's wait).
      (batchSignal) => setMaxListeners(Math.max(10, 3 * this.#concurrency), batchSignal),
    );
    return settleBatch(unique, values, missing, owed);
  }

  /** Sends a request behind the pacer, telling the pacer how it went; failures go through `map`. */
  async #send<O>(
    send: () => Promise<O>,
    signal: AbortSignal | undefined,
    map: (error: unknown) => Error,
  ): Promise<O> {
    const limiter = this.#limiter;
    const ticket = limiter === undefined ? 0 : await limiter.acquire(signal);
    try {
      const output = await raceAbort(send(), signal);
      limiter?.onSuccess(ticket);
      return output;
    } catch (error) {
      const mapped = map(error);
      if (!isThrottlingError(error) || signal?.aborted === true) throw mapped;
      const retryAfter = retryAfterOf(error);
      limiter?.onThrottle(ticket, retryAfter);
      throw markThrottled(mapped, { paced: limiter !== undefined, ...(retryAfter === undefined ? {} : { retryAfter }) });
    }
  }

  /** Releases the sockets of a client this backend built; a client passed in is left to its owner. */
  destroy(): void {
    if (this.#ownsClient) this.#client.destroy();
  }
}

function buildClientConfig(region: string | undefined, clientConfig: SSMClientConfig = {}): SSMClientConfig {
  const handler = clientConfig.requestHandler;
  const isInstance = typeof (handler as { handle?: unknown } | undefined)?.handle === 'function';
  return {
    ...clientConfig,
    maxAttempts: clientConfig.maxAttempts ?? DEFAULT_SSM_MAX_ATTEMPTS,
    ...(region === undefined ? {} : { region }),
    // Smithy only logs a warning when requestTimeout passes unless throwOnRequestTimeout is set.
    requestHandler:
      handler !== undefined && isInstance
        ? handler
        : {
            connectionTimeout: DEFAULT_SSM_CONNECTION_TIMEOUT_MS,
            requestTimeout: DEFAULT_SSM_REQUEST_TIMEOUT_MS,
            throwOnRequestTimeout: true,
            ...(handler as Record<string, unknown> | undefined),
          },
  };
}

function abortOption(signal: AbortSignal | undefined): { abortSignal?: AbortSignal } {
  return signal === undefined ? {} : { abortSignal: signal };
}

function checkVersion(path: string, version: number | string | undefined): void {
  if (version === undefined) return;
  const ok =
    typeof version === 'number'
      ? Number.isInteger(version) && version >= 1
      : typeof version === 'string' && version.length > 0 && !version.includes(':');
  if (!ok) {
    throw new ConfigError(`Invalid version for ${path}: SSM takes a version number >= 1 or a label`, { path });
  }
}

/** Adds one `GetParameters` answer to the batch's values and missing names. */
function collectChunk(
  names: readonly string[],
  output: GetParametersCommandOutput,
  values: Record<string, string>,
  missing: string[],
): void {
  const { Parameters: parameters = [], InvalidParameters: invalidNames = [] } = output;
  if (!Array.isArray(parameters) || !Array.isArray(invalidNames)) {
    throw new TransientError(`Reading ${label(names)} failed (SSM GetParameters: malformed response)`);
  }
  const returned = new Map<string, string>();
  for (const parameter of parameters) {
    if (typeof parameter?.Name !== 'string') continue;
    if (typeof parameter.Value !== 'string') {
      throw new TransientError(`Reading ${parameter.Name} failed (SSM GetParameters: the response has no string Value)`, {
        path: parameter.Name,
      });
    }
    returned.set(parameter.Name, parameter.Value);
  }
  const invalid = new Set<string>(invalidNames);
  // A name SSM neither returned nor listed as invalid is missing all the same.
  for (const name of names) {
    if (invalid.has(name) || !returned.has(name)) missing.push(name);
    else values[name] = returned.get(name) as string;
  }
}

function label(paths: readonly string[]): string {
  return paths.length <= 5 ? paths.join(', ') : `${paths.slice(0, 5).join(', ')} and ${paths.length - 5} more`;
}
