import { GetParameterCommand, GetParametersCommand, SSMClient } from './clientSsm.js';
import type { GetParametersCommandOutput, SSMClientConfig } from '@aws-sdk/client-ssm';

import { ConfigError, TransientError } from '../../errors.js';
import { linkedController, raceAbort } from '../../internal/abort.js';
import { mapConcurrent } from '../../internal/mapConcurrent.js';
import { Backend, missingSecrets } from '../Backend.js';
import type { BackendBatchOptions, BackendGetOptions } from '../Backend.js';
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
}

/**
 * Reads secrets from AWS Systems Manager Parameter Store through `@aws-sdk/client-ssm`.
 *
 * `get` is one `GetParameter` (a numeric `version` reads `name:version`, a string one reads the
 * label `name:label`); `getBatch` is `GetParameters` in chunks of 10. `StringList` values come back
 * as SSM sends them, comma-joined. Failures map onto `SecretNotFoundError`, `AuthError` and
 * `TransientError` (see {@link mapSsmError}); an aborted read rejects with the signal's reason.
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
    this.#withDecryption = withDecryption;
    this.#concurrency = concurrency;
    this.batchConcurrency = concurrency;
    this.#ownsClient = client === undefined;
    this.#client = client ?? new SSMClient(buildClientConfig(region, clientConfig));
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
    let value: string | undefined;
    try {
      const command = new GetParameterCommand({ Name: name, WithDecryption: this.#withDecryption });
      const output = await raceAbort(this.#client.send(command, abortOption(signal)), signal);
      value = output.Parameter?.Value;
    } catch (error) {
      throw mapSsmError(error, context);
    }
    if (typeof value !== 'string') {
      // A missing or mistyped Value is a broken answer, not a secret: never cache it.
      throw new TransientError(`Reading ${path} failed (SSM GetParameter: the response has no string Parameter.Value)`, { path });
    }
    return value;
  }

  /**
   * Reads many parameters with `GetParameters`, 10 names a call, at most `concurrency` calls at
   * once. Rejects with one `SecretNotFoundError` naming every missing path of every chunk; any
   * other failure rejects the batch and aborts the calls still in flight.
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
    const { controller, dispose } = linkedController(signal);
    let failure: { error: Error } | undefined;
    try {
      const results = await mapConcurrent(chunks, this.#concurrency, async (names) => {
        if (failure !== undefined) throw failure.error;
        try {
          const command = new GetParametersCommand({ Names: names, WithDecryption: this.#withDecryption });
          return await raceAbort(this.#client.send(command, abortOption(controller.signal)), controller.signal);
        } catch (error) {
          const mapped = mapSsmError(error, { operation: 'GetParameters', paths: names, signal: controller.signal });
          if (failure === undefined) {
            failure = { error: mapped };
            controller.abort(mapped);
          }
          throw mapped;
        }
      });
      if (failure !== undefined) throw failure.error;
      return collect(unique, results);
    } finally {
      dispose();
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

function collect(
  unique: readonly string[],
  results: readonly PromiseSettledResult<GetParametersCommandOutput>[],
): Record<string, string> {
  const returned = new Map<string, string>();
  const invalid = new Set<string>();
  for (const result of results) {
    // Every rejection was turned into `failure` above, so only fulfilled results remain here.
    if (result.status !== 'fulfilled') continue;
    const { Parameters: parameters = [], InvalidParameters: invalidNames = [] } = result.value;
    if (!Array.isArray(parameters) || !Array.isArray(invalidNames)) {
      throw new TransientError(`Reading ${label(unique)} failed (SSM GetParameters: malformed response)`);
    }
    for (const parameter of parameters) {
      if (typeof parameter?.Name !== 'string') continue;
      if (typeof parameter.Value !== 'string') {
        throw new TransientError(`Reading ${parameter.Name} failed (SSM GetParameters: the response has no string Value)`, {
          path: parameter.Name,
        });
      }
      returned.set(parameter.Name, parameter.Value);
    }
    for (const name of invalidNames) invalid.add(name);
  }
  // A name SSM neither returned nor listed as invalid is missing all the same.
  const missing = unique.filter((path) => invalid.has(path) || !returned.has(path));
  if (missing.length > 0) throw missingSecrets(missing);
  // No prototype: a parameter named `__proto__` is a plain key.
  const values = Object.create(null) as Record<string, string>;
  for (const path of unique) values[path] = returned.get(path) as string;
  return values;
}

function label(paths: readonly string[]): string {
  return paths.length <= 5 ? paths.join(', ') : `${paths.slice(0, 5).join(', ')} and ${paths.length - 5} more`;
}
