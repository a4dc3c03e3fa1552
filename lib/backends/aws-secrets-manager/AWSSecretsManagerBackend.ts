import { BatchGetSecretValueCommand, GetSecretValueCommand, SecretsManagerClient } from './clientSecretsManager.js';
import type { SecretsManagerClientConfig, SecretValueEntry } from '@aws-sdk/client-secrets-manager';

import { AuthError, ConfigError, SecretNotFoundError, TransientError } from '../../errors.js';
import type { BackendBatchOptions, BackendGetOptions } from '../Backend.js';
import { abortOption } from '../aws/abortOption.js';
import { AwsClientBackend } from '../aws/AwsClientBackend.js';
import type { AwsBackendOptions, BatchInto } from '../aws/AwsClientBackend.js';
import type { BatchWire } from '../aws/sendPaced.js';
import { SECRETS_MANAGER_BATCH_CHUNK_SIZE } from './constants.js';
import { mapSecretsManagerError, secretsManagerErrorKind } from './mapSecretsManagerError.js';
import { parseSecretPath, versionSelector } from './parseSecretPath.js';
import type { SecretPath } from './parseSecretPath.js';
import { readSecretKey } from './readSecretKey.js';

/** Options of {@link AWSSecretsManagerBackend}. Every field is optional. */
export interface AWSSecretsManagerBackendOptions extends AwsBackendOptions<SecretsManagerClient, SecretsManagerClientConfig> {
  /** How many `BatchGetSecretValue` calls of 20 ids `getBatch` runs at once (default: 4). */
  concurrency?: number;
  /**
   * A ceiling on this backend's requests per second, e.g. your share of the account's
   * `GetSecretValue` / `BatchGetSecretValue` quota when other services read from it too (default: none).
   */
  rateLimit?: number;
}

/** One secret as a read returned it: its text (`SecretBinary` as base64) and where it came from. */
interface FetchedSecret {
  readonly value: string;
  readonly binary: boolean;
}

/**
 * Reads secrets from AWS Secrets Manager through `@aws-sdk/client-secrets-manager`.
 *
 * A path is a `SecretId`: a secret's name or its ARN. `secretId#key` reads one key of a JSON
 * secret (split at the last `#`); a string value comes back as is, any other JSON value as JSON
 * text. A `SecretBinary` secret comes back base64-encoded. `get` is one `GetSecretValue`: a
 * `version` that is a UUID reads that `VersionId`, any other string that staging label
 * (`AWSPREVIOUS`, `AWSPENDING`, your own), none `AWSCURRENT`; a number is a `ConfigError`.
 * `getBatch` is `BatchGetSecretValue` in chunks of 20 secret ids, each secret read once however
 * many of its keys are asked for.
 *
 * Every request waits its turn on an `AdaptiveRateLimiter` (as `AWSSSMBackend`'s do): unpaced
 * until Secrets Manager throttles, then slowed and grown back gradually, `Retry-After` honoured,
 * `rateLimit` as a ceiling; a throttle it paced is marked so `RetryingBackend` re-queues it
 * without spending an attempt.
 *
 * Failures map onto `SecretNotFoundError` (also a secret scheduled for deletion, and a missing
 * JSON key), `AuthError` (denied access, `DecryptionFailure`, rejected credentials),
 * `ConfigError` (a malformed secret id, or a key asked of a secret that is not a JSON object) and
 * `TransientError` (see {@link mapSecretsManagerError}); an aborted read rejects with the
 * signal's reason.
 *
 * Retry in one layer, not both: a client the backend builds makes one attempt per call, and
 * vaultly's `RetryingBackend` owns retries and their deadline. If you pass your own `client` with
 * SDK retries on, keep `RetryingBackend`'s `maxAttempts` at 1 or the attempts multiply.
 *
 * @param options.region - region of the built client (default: the SDK's region chain)
 * @param options.client - a ready `SecretsManagerClient`, used as given (default: one is built)
 * @param options.clientConfig - configuration of the built client (default: `{}`, plus the
 *   timeouts and `maxAttempts: 1` above)
 * @param options.concurrency - `BatchGetSecretValue` calls in flight in `getBatch` (default: 4)
 * @param options.rateLimit - ceiling in requests per second (default: none)
 * @param options.rateLimiter - a shared pacer, or `false` for none (default: one of its own)
 * @example
 * ```ts
 * import { AWSSecretsManagerBackend } from 'vaultly/aws-secrets-manager';
 * import { RetryingBackend } from 'vaultly';
 *
 * const backend = new RetryingBackend(new AWSSecretsManagerBackend({ region: 'eu-west-1' }), { maxAttempts: 3 });
 * const password = await backend.get('prod/db#password');                 // a key of a JSON secret
 * const previous = await backend.get('prod/db#password', { version: 'AWSPREVIOUS' });
 * ```
 */
export class AWSSecretsManagerBackend extends AwsClientBackend<SecretsManagerClient, SecretsManagerClientConfig> {
  constructor(options: AWSSecretsManagerBackendOptions = {}) {
    super(
      { name: 'AWSSecretsManagerBackend', clientName: 'a SecretsManagerClient', newClient: (config) => new SecretsManagerClient(config) },
      options,
    );
  }

  /**
   * Reads one secret (or one key of a JSON secret) with `GetSecretValue`.
   * @param path - a secret name or ARN, optionally `#key`
   * @param options.version - a version id (a UUID) or a staging label (default: `AWSCURRENT`)
   * @param options.signal - aborts the read; the promise rejects with the signal's reason
   */
  async get(path: string, options: BackendGetOptions = {}): Promise<string> {
    const { version, signal, timeLeft } = options;
    signal?.throwIfAborted();
    const { secretId, key } = parseSecretPath(path);
    const selector = versionSelector(path, version);
    const context = { operation: 'GetSecretValue', paths: [path], signal, ...(version === undefined ? {} : { version }) };
    const input = { SecretId: secretId, ...selector };
    const output = await this.paced((ready) => this.client.send(ready(new GetSecretValueCommand(input)), abortOption(signal)), {
      signal,
      map: (error) => mapSecretsManagerError(error, context),
      timeLeft,
    });
    const secret = secretOf(output);
    if (secret === undefined) {
      // Neither SecretString nor SecretBinary is a broken answer, not a secret: never cache it.
      throw new TransientError(`Reading ${path} failed (Secrets Manager GetSecretValue: the response has no SecretString or SecretBinary)`, {
        path,
      });
    }
    return valueAt(path, secretId, key, secret);
  }

  /**
   * Reads many secrets with `BatchGetSecretValue`, 20 secret ids a call, at most `concurrency`
   * calls at once; paths that are keys of the same secret share one read. Missing secrets and
   * missing keys are named together in one `SecretNotFoundError`. A call that fails with a
   * `TransientError` (throttled, 5xx, timed out), or a secret whose per-id error is transient,
   * leaves the rest running: the batch then rejects with a `PartialBatchError` carrying the values
   * read and owing only those paths. A denied secret (`AuthError`) or an invalid id (`ConfigError`)
   * rejects the batch at once and aborts the calls still in flight.
   * @param paths - secret names or ARNs, optionally `#key` (duplicates are read once)
   * @param options.signal - aborts the batch; the promise rejects with the signal's reason
   */
  override async getBatch(paths: readonly string[], options: BackendBatchOptions = {}): Promise<Record<string, string>> {
    const { signal, timeLeft } = options;
    signal?.throwIfAborted();
    const unique = [...new Set(paths)];
    const parsed = new Map(unique.map((path) => [path, parseSecretPath(path)] as const));
    const secretIds = [...new Set([...parsed.values()].map((p) => p.secretId))];
    return this.readInChunks(unique, secretIds, SECRETS_MANAGER_BATCH_CHUNK_SIZE, signal, async (ids, chunkSignal, into, wire) => {
      const chunkPaths = unique.filter((path) => ids.includes((parsed.get(path) as SecretPath).secretId));
      let outcome: BatchOutcome;
      try {
        outcome = await this.#batchChunk(ids, chunkPaths, chunkSignal, timeLeft, wire);
      } catch (error) {
        if (chunkSignal.aborted) throw error;
        if (TransientError.is(error)) into.owed.push({ paths: chunkPaths, error });
        // A whole call answered "not found" (no such case is documented, but the mapping allows it): all its paths are missing.
        if (SecretNotFoundError.is(error)) into.missing.push(...chunkPaths);
        throw error;
      }
      settleChunk(chunkPaths, parsed, outcome, into);
    });
  }

  /** One `SecretIdList` of at most 20 ids, following `NextToken` until the answer is complete. */
  async #batchChunk(
    ids: readonly string[],
    paths: readonly string[],
    signal: AbortSignal,
    timeLeft: (() => number) | undefined,
    wire: BatchWire,
  ): Promise<BatchOutcome> {
    const outcome: BatchOutcome = { secrets: new Map(), errors: new Map() };
    let nextToken: string | undefined;
    // Every page answers at least one id, so more pages than ids means the service is looping.
    for (let page = 0; page <= ids.length; page++) {
      const input = { SecretIdList: [...ids], ...(nextToken === undefined ? {} : { NextToken: nextToken }) };
      const output = await this.paced((ready) => this.client.send(ready(new BatchGetSecretValueCommand(input)), { abortSignal: signal }), {
        signal,
        map: (error) => mapSecretsManagerError(error, { operation: 'BatchGetSecretValue', paths, signal }),
        timeLeft,
        wire,
      });
      const { SecretValues: values = [], Errors: errors = [] } = output;
      if (!Array.isArray(values) || !Array.isArray(errors)) {
        throw new TransientError(`Reading ${ids.length} secrets failed (Secrets Manager BatchGetSecretValue: malformed response)`);
      }
      for (const entry of values) {
        // One secret asked for by name and by ARN in the same call answers both ids.
        for (const id of requestedIdsOf(ids, entry)) {
          const secret = secretOf(entry);
          if (secret === undefined) {
            throw new TransientError(`Reading ${id} failed (Secrets Manager BatchGetSecretValue: the entry has no SecretString or SecretBinary)`);
          }
          outcome.secrets.set(id, secret);
        }
      }
      for (const error of errors) {
        if (typeof error?.SecretId !== 'string') continue;
        for (const id of requestedIdsOf(ids, { Name: error.SecretId, ARN: error.SecretId })) {
          outcome.errors.set(id, typeof error.ErrorCode === 'string' ? error.ErrorCode : 'UnknownError');
        }
      }
      nextToken = output.NextToken;
      if (nextToken === undefined || nextToken === '') return outcome;
    }
    throw new TransientError(`Reading ${ids.length} secrets failed (Secrets Manager BatchGetSecretValue: NextToken never ended)`);
  }
}

/** What the `BatchGetSecretValue` calls answered, by requested secret id: values, and per-id error codes. */
interface BatchOutcome {
  readonly secrets: Map<string, FetchedSecret>;
  readonly errors: Map<string, string>;
}

/**
 * Files one chunk's per-secret answers into the batch: values, missing paths (missing secrets and
 * missing keys), and owed paths for per-id errors that are transient. An invalid id or a key of a
 * non-JSON secret (`ConfigError`) throws, then denied access (`AuthError`): a retry cannot fix those.
 */
function settleChunk(
  chunkPaths: readonly string[],
  parsed: ReadonlyMap<string, SecretPath>,
  outcome: BatchOutcome,
  into: BatchInto,
): void {
  const refused = { config: [] as Refusal[], auth: [] as Refusal[], transient: new Map<string, Refusal[]>() };
  for (const path of chunkPaths) {
    const { secretId, key } = parsed.get(path) as SecretPath;
    const secret = outcome.secrets.get(secretId);
    if (secret !== undefined) {
      try {
        into.values[path] = valueAt(path, secretId, key, secret);
      } catch (error) {
        if (!SecretNotFoundError.is(error)) throw error;
        into.missing.push(path);
      }
      continue;
    }
    const code = outcome.errors.get(secretId);
    // An id the service neither answered nor listed in Errors is missing all the same.
    const kind = code === undefined ? 'notFound' : secretsManagerErrorKind(code);
    if (kind === 'notFound') into.missing.push(path);
    else if (kind === 'transient') refused.transient.set(secretId, [...(refused.transient.get(secretId) ?? []), { path, code: code as string }]);
    else refused[kind].push({ path, code: code as string });
  }
  const { config, auth, transient } = refused;
  if (config.length > 0) {
    throw new ConfigError(`Secrets Manager refused ${listOf(config)} as invalid; check the secret ids (BatchGetSecretValue)`, pathOption(config));
  }
  if (auth.length > 0) throw new AuthError(`Access to ${listOf(auth)} was refused (Secrets Manager BatchGetSecretValue)`, pathOption(auth));
  // One owed entry per secret: a retry reads that secret again for all of its keys.
  for (const refusals of transient.values()) {
    const error = new TransientError(`Reading ${listOf(refusals)} failed (Secrets Manager BatchGetSecretValue)`, pathOption(refusals));
    into.owed.push({ paths: refusals.map((r) => r.path), error });
  }
}

/** A path of a batch that got a per-id error, with that error's code. */
interface Refusal {
  readonly path: string;
  readonly code: string;
}

function listOf(refusals: readonly Refusal[]): string {
  return refusals.map((r) => `${r.path} (${r.code})`).join(', ');
}

function pathOption(refusals: readonly Refusal[]): { path?: string } {
  return refusals.length === 1 ? { path: (refusals[0] as Refusal).path } : {};
}

/** Which requested ids an answer entry is for: by name, by full ARN, or by an ARN without its random suffix. */
function requestedIdsOf(ids: readonly string[], entry: { Name?: string | undefined; ARN?: string | undefined }): string[] {
  return ids.filter(
    (id) =>
      id === entry.Name ||
      id === entry.ARN ||
      (id.startsWith('arn:') && entry.ARN !== undefined && entry.ARN.startsWith(`${id}-`) && entry.ARN.length === id.length + 7),
  );
}

function secretOf(entry: Pick<SecretValueEntry, 'SecretString' | 'SecretBinary'>): FetchedSecret | undefined {
  if (typeof entry.SecretString === 'string') return { value: entry.SecretString, binary: false };
  if (entry.SecretBinary instanceof Uint8Array) return { value: Buffer.from(entry.SecretBinary).toString('base64'), binary: true };
  return undefined;
}

function valueAt(path: string, secretId: string, key: string | undefined, secret: FetchedSecret): string {
  if (key === undefined) return secret.value;
  // A key of a binary secret: its bytes are not a JSON object we could read a key of.
  return readSecretKey(secret.binary ? '' : secret.value, path, secretId, key);
}
