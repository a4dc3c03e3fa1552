import { GetParameterCommand, GetParametersCommand, SSMClient } from './clientSsm.js';
import type { GetParametersCommandOutput, SSMClientConfig } from '@aws-sdk/client-ssm';

import { ConfigError, TransientError } from '../../errors.js';
import type { BackendBatchOptions, BackendGetOptions } from '../Backend.js';
import { abortOption } from '../aws/abortOption.js';
import { AwsClientBackend } from '../aws/AwsClientBackend.js';
import type { AwsBackendOptions } from '../aws/AwsClientBackend.js';
import type { ReadyCommand } from '../aws/sendPaced.js';
import { DEFAULT_SSM_WITH_DECRYPTION, SSM_GET_PARAMETERS_CHUNK_SIZE } from './constants.js';
import { mapSsmError } from './mapSsmError.js';

/** Options of {@link AWSSSMBackend}. Every field is optional. */
export interface AWSSSMBackendOptions extends AwsBackendOptions<SSMClient, SSMClientConfig> {
  /** Whether SecureString values are decrypted (default: `true`). */
  withDecryption?: boolean;
  /** How many `GetParameters` calls of 10 names `getBatch` runs at once (default: 4). */
  concurrency?: number;
  /**
   * A ceiling on this backend's requests per second, e.g. your share of the account's SSM quota
   * (40/s by default) when other services read from it too (default: none).
   */
  rateLimit?: number;
}

/**
 * Reads secrets from AWS Systems Manager Parameter Store through `@aws-sdk/client-ssm`.
 *
 * `get` is one `GetParameter` (a numeric `version` reads `name:version`, a string one reads the
 * label `name:label`); `getBatch` is `GetParameters` in chunks of 10. `StringList` values come back
 * as SSM sends them, comma-joined. Failures map onto `SecretNotFoundError`, `AuthError` and
 * `TransientError` (see {@link mapSsmError}); an aborted read rejects with the signal's reason.
 *
 * Every request waits its turn on an `AdaptiveRateLimiter`: unpaced until SSM throttles,
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
export class AWSSSMBackend extends AwsClientBackend<SSMClient, SSMClientConfig> {
  readonly #withDecryption: boolean;

  constructor(options: AWSSSMBackendOptions = {}) {
    const withDecryption = options.withDecryption ?? DEFAULT_SSM_WITH_DECRYPTION;
    if (typeof withDecryption !== 'boolean') throw new TypeError('AWSSSMBackend: options.withDecryption must be a boolean');
    super({ name: 'AWSSSMBackend', clientName: 'an SSMClient', newClient: (config) => new SSMClient(config) }, options);
    this.#withDecryption = withDecryption;
  }

  /**
   * Reads one parameter with `GetParameter`.
   * @param path - the parameter name
   * @param options.version - a version number (`name:3`) or a label (`name:label`)
   * @param options.signal - aborts the read; the promise rejects with the signal's reason
   */
  async get(path: string, options: BackendGetOptions = {}): Promise<string> {
    const { version, signal, timeLeft } = options;
    signal?.throwIfAborted();
    checkVersion(path, version);
    const name = version === undefined ? path : `${path}:${String(version)}`;
    const context = { operation: 'GetParameter', paths: [path], signal, ...(version === undefined ? {} : { version }) };
    const input = { Name: name, WithDecryption: this.#withDecryption };
    const output = await this.paced((ready) => this.client.send(ready(new GetParameterCommand(input)), abortOption(signal)), {
      signal,
      map: (error) => mapSsmError(error, context),
      timeLeft,
    });
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
    const { signal, timeLeft } = options;
    signal?.throwIfAborted();
    const unique = [...new Set(paths)];
    return this.readInChunks(unique, unique, SSM_GET_PARAMETERS_CHUNK_SIZE, signal, async (names, chunkSignal, into, wire) => {
      try {
        const input = { Names: names, WithDecryption: this.#withDecryption };
        const send = (ready: ReadyCommand): Promise<GetParametersCommandOutput> =>
          this.client.send(ready(new GetParametersCommand(input)), abortOption(chunkSignal));
        const output = await this.paced(send, {
          signal: chunkSignal,
          map: (error) => mapSsmError(error, { operation: 'GetParameters', paths: names, signal: chunkSignal }),
          timeLeft,
          wire,
        });
        collectChunk(names, output, into.values, into.missing);
      } catch (error) {
        if (TransientError.is(error) && !chunkSignal.aborted) into.owed.push({ paths: names, error });
        throw error;
      }
    });
  }
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
