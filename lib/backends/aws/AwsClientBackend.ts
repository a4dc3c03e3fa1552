import { setMaxListeners } from 'node:events';

import { mapUntilFailure } from '../../internal/mapUntilFailure.js';
import { Semaphore } from '../../internal/Semaphore.js';
import { Backend } from '../Backend.js';
import type { AdaptiveRateLimiter } from '../pacing/AdaptiveRateLimiter.js';
import { buildPacer } from '../pacing/buildPacer.js';
import type { OwedPaths } from '../PartialBatchError.js';
import { settleBatch } from '../settleBatch.js';
import { buildAwsClientConfig } from './buildAwsClientConfig.js';
import type { AwsClientConfigDefaults } from './buildAwsClientConfig.js';
import { checkAwsClientOptions } from './checkAwsClientOptions.js';
import { AWS_BATCH_READY_AHEAD, DEFAULT_AWS_BATCH_CONCURRENCY } from './constants.js';
import { sendPaced } from './sendPaced.js';
import type { BatchWire, PacedSend, ReadyCommand } from './sendPaced.js';

/** The options every AWS backend takes. Every field is optional. */
export interface AwsBackendOptions<Client, Config> {
  /** Region of the client the backend builds (wins over `clientConfig.region`). */
  region?: string;
  /**
   * A ready client, used as given: its timeouts and retries are yours. Cannot be combined with
   * `region` or `clientConfig`.
   */
  client?: Client;
  /**
   * Configuration of the client the backend builds. Unless it says otherwise the client gets
   * `maxAttempts: 1` and a request handler with a 2 s connect timeout and a 5 s request timeout
   * that really rejects (`throwOnRequestTimeout`). Handler options you pass as a plain object
   * (`requestHandler: { requestTimeout: 500 }`) are merged over those defaults; a handler instance
   * is used as is.
   */
  clientConfig?: Config;
  /** How many batch calls `getBatch` runs at once (default: 4). */
  concurrency?: number;
  /** A ceiling on this backend's requests per second (default: none). */
  rateLimit?: number;
  /**
   * The pacer every request waits on: one is built by default (with `rateLimit`); pass one to share
   * it between backends that draw on the same quota, or `false` for no pacing at all.
   */
  rateLimiter?: AdaptiveRateLimiter | false;
}

/** Who a backend is, for its option errors, and how it builds its SDK client. */
export interface AwsBackendIdentity<Client, Config> {
  /** The backend's name, first in an option error (`'AWSSSMBackend'`). */
  readonly name: string;
  /** What `options.client` must be, for the error (`'an SSMClient'`). */
  readonly clientName: string;
  /** Builds the client from the configuration {@link buildAwsClientConfig} made. */
  readonly newClient: (config: Config) => Client;
}

/** Where a batch's chunks put what they read: values by path, missing paths, owed requests. */
export interface BatchInto {
  readonly values: Record<string, string>;
  readonly missing: string[];
  readonly owed: OwedPaths[];
}

/** The part of an AWS SDK client the backends use themselves. */
interface AwsSdkClient {
  destroy(): void;
}

/**
 * What the AWS backends share: option checks, the client they build (or the one passed in), the
 * pacer every request waits on, and the batch loop over chunks of ids.
 *
 * @example
 * ```ts
 * export class AWSSSMBackend extends AwsClientBackend<SSMClient, SSMClientConfig> {
 *   constructor(options: AWSSSMBackendOptions = {}) {
 *     super({ name: 'AWSSSMBackend', clientName: 'an SSMClient', newClient: (config) => new SSMClient(config) }, options);
 *   }
 * }
 * ```
 */
export abstract class AwsClientBackend<Client extends AwsSdkClient, Config extends AwsClientConfigDefaults> extends Backend {
  readonly #client: Client;
  readonly #ownsClient: boolean;
  readonly #concurrency: number;
  readonly #limiter: AdaptiveRateLimiter | undefined;

  /**
   * @param identity - the backend's name, its client's name and how to build one
   * @param options - the backend's options
   * @throws TypeError naming the option, when an option is invalid
   */
  protected constructor(identity: AwsBackendIdentity<Client, Config>, options: AwsBackendOptions<Client, Config>) {
    super();
    const { name } = identity;
    const { region, client, clientConfig } = options;
    checkAwsClientOptions(name, identity.clientName, options);
    const concurrency = options.concurrency ?? DEFAULT_AWS_BATCH_CONCURRENCY;
    if (!Number.isInteger(concurrency) || concurrency < 1) {
      throw new TypeError(`${name}: options.concurrency must be a positive integer, got ${String(concurrency)}`);
    }
    this.#limiter = buildPacer(name, options);
    this.#concurrency = concurrency;
    this.batchConcurrency = concurrency;
    this.#ownsClient = client === undefined;
    this.#client = client ?? identity.newClient(buildAwsClientConfig<Config>(region, clientConfig));
  }

  /** The pacer every request of this backend waits on (`undefined` with `rateLimiter: false`). */
  get rateLimiter(): AdaptiveRateLimiter | undefined {
    return this.#limiter;
  }

  /** The SDK client this backend sends through. */
  get client(): Client {
    return this.#client;
  }

  /** Releases the sockets of a client this backend built; a client passed in is left to its owner. */
  destroy(): void {
    if (this.#ownsClient) this.#client.destroy();
  }

  /** Sends one request behind this backend's pacer (see {@link sendPaced}); failures go through `options.map`. */
  protected paced<O>(send: (ready: ReadyCommand) => Promise<O>, options: PacedSend): Promise<O> {
    return sendPaced(this.#limiter, send, options);
  }

  /**
   * The batch loop: `ids` in chunks of `chunkSize`, at most `concurrency` chunks on the wire, each
   * read by `readChunk` into `into`. `readChunk` sends through {@link paced} with the batch's
   * `wire`: one chunk more than `concurrency` can be under way, so that the SDK makes it ready while
   * the others are on the wire (see {@link sendPaced}). A chunk failing with a missing secret or a `TransientError`
   * leaves the others running; any other failure aborts them. Settles as {@link settleBatch} does.
   *
   * @param requested - the unique paths asked for, in order
   * @param ids - what the service is asked for (the paths, or the secrets they are keys of)
   * @param chunkSize - the most ids one call takes
   * @param signal - the caller's signal
   * @param readChunk - reads one chunk, with a signal linked to the batch's and the batch's places
   */
  protected async readInChunks(
    requested: readonly string[],
    ids: readonly string[],
    chunkSize: number,
    signal: AbortSignal | undefined,
    readChunk: (chunk: string[], chunkSignal: AbortSignal, into: BatchInto, wire: BatchWire) => Promise<void>,
  ): Promise<Record<string, string>> {
    const chunks: string[][] = [];
    for (let i = 0; i < ids.length; i += chunkSize) chunks.push(ids.slice(i, i + chunkSize));
    const into: BatchInto = { values: Object.create(null) as Record<string, string>, missing: [], owed: [] }; // `__proto__` is a plain key
    const wire: BatchWire = { slots: new Semaphore(this.#concurrency), starts: new Semaphore(this.#concurrency) };
    const underWay = this.#concurrency + AWS_BATCH_READY_AHEAD;
    await mapUntilFailure(
      chunks,
      underWay,
      signal,
      (chunk, chunkSignal) => readChunk(chunk, chunkSignal, into, wire),
      // Each call under way listens to the batch's signal (the race, the SDK, the pacer's and the slot's waits).
      (batchSignal) => setMaxListeners(Math.max(10, 4 * underWay), batchSignal),
    );
    return settleBatch(requested, into.values, into.missing, into.owed);
  }
}
