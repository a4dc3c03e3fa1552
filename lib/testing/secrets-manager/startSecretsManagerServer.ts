import { DEFAULT_SECRETS_MANAGER_SERVER_ACCOUNT_ID, DEFAULT_SECRETS_MANAGER_SERVER_REGION } from './constants.js';
import { startLoopbackServer } from '../kit/index.js';
import type { CommonFaultKind, LoopbackServer, LoopbackServerOptions } from '../kit/index.js';
import { secretsManagerProtocol } from './secretsManagerProtocol.js';
import type { SecretsManagerRequestRecord } from './secretsManagerProtocol.js';
import { SecretsManagerApiError } from './SecretsManagerApiError.js';
import { SecretsManagerStore } from './SecretsManagerStore.js';
import type { SecretsManagerValue } from './SecretsManagerStore.js';

/** How to seed one secret: its value (text, or bytes for `SecretBinary`) and optionally a description. */
export interface SecretsManagerSeed {
  value: SecretsManagerValue;
  description?: string;
}

/** Options of {@link startSecretsManagerServer}. */
export interface SecretsManagerServerOptions extends LoopbackServerOptions {
  /** Region named in ARNs (default: `'us-east-1'`). */
  region?: string;
  /** Account id named in ARNs (default: `'123456789012'`). */
  accountId?: string;
  /** Secrets to create before the server starts, by name; each gets one `AWSCURRENT` version. */
  secrets?: Readonly<Record<string, SecretsManagerValue | SecretsManagerSeed>>;
  /** Clock for `CreatedDate` and the like (default: `() => new Date()`). */
  now?: () => Date;
  /** Per-secret answers per `BatchGetSecretValue` page; a longer `SecretIdList` gets a `NextToken` (default: 20). */
  batchPageSize?: number;
}

/** A secret as {@link SecretsManagerServer.describeSecret} shows it: no value. */
export interface SecretsManagerSecretInfo {
  readonly arn: string;
  readonly name: string;
  /** Every version that has a staging label, with its labels. */
  readonly versionIdsToStages: Readonly<Record<string, readonly string[]>>;
  /** Whether the secret is scheduled for deletion. */
  readonly deleted: boolean;
}

/** A running loopback Secrets Manager server. */
export interface SecretsManagerServer extends LoopbackServer<CommonFaultKind, SecretsManagerRequestRecord> {
  /** The region ARNs name, for the SDK's `region` option. */
  readonly region: string;
  /** The account id ARNs name. */
  readonly accountId: string;
  /** Creates a secret (with a first `AWSCURRENT` version when a value is given). */
  createSecret(name: string, value?: SecretsManagerValue, options?: { description?: string; versionId?: string }): { arn: string; versionId: string | undefined };
  /**
   * Adds a version, as `PutSecretValue` does: labelled `AWSCURRENT` unless `versionStages` says
   * otherwise (the old `AWSCURRENT` becomes `AWSPREVIOUS`). Returns the new version id.
   */
  putSecretValue(secretId: string, value: SecretsManagerValue, options?: { versionStages?: readonly string[]; versionId?: string }): string;
  /** Moves a staging label, as `UpdateSecretVersionStage` does. */
  updateSecretVersionStage(secretId: string, stage: string, options: { moveToVersionId?: string; removeFromVersionId?: string }): void;
  /** Schedules a secret for deletion (reads then get `InvalidRequestException`), or removes it at once with `force`. */
  deleteSecret(secretId: string, options?: { force?: boolean }): void;
  /** Lifts a scheduled deletion. */
  restoreSecret(secretId: string): void;
  /** A secret's ARN, versions and labels. */
  describeSecret(secretId: string): SecretsManagerSecretInfo;
  /** Makes reads of a secret fail with `AccessDeniedException`, per id in a batch too (`false` allows them again). */
  denyAccess(secretId: string, denied?: boolean): void;
}

/**
 * Starts an HTTP server on 127.0.0.1 (a free port) that speaks AWS Secrets Manager's JSON 1.1
 * protocol well enough for `@aws-sdk/client-secrets-manager` to talk to it: `GetSecretValue`,
 * `BatchGetSecretValue` (with `SecretIdList`, per-id `Errors` and `NextToken`), `CreateSecret`,
 * `PutSecretValue`, `UpdateSecretVersionStage`, `DescribeSecret`, `DeleteSecret` and
 * `RestoreSecret`; names, full ARNs and ARNs without their random suffix as `SecretId`; staging
 * labels that move as in a real rotation; the service's error bodies; the fault API, latency,
 * quota and request log of the loopback-server kit (the log never holds a value). Requests must carry an `Authorization` header (any
 * SigV4 signature is accepted).
 *
 * @param options.region - region named in ARNs (default: `'us-east-1'`)
 * @param options.accountId - account id named in ARNs (default: `'123456789012'`)
 * @param options.secrets - secrets to seed, by name
 * @param options.now - clock for dates (default: the system clock)
 * @param options.batchPageSize - answers per `BatchGetSecretValue` page (default: 20)
 * @param options.latencyMs - milliseconds every response is delayed by (default: 0)
 * @param options.quota - a request-rate quota `{ rate, burst? }`; over it, `ThrottlingException` (default: none)
 * @param options.maxBodyBytes - the largest request body read (default: 1 MiB)
 * @example
 * ```ts
 * const sm = await startSecretsManagerServer({ secrets: { 'prod/db': '{"password":"s3cr3t"}' } });
 * const client = new SecretsManagerClient({
 *   endpoint: sm.endpoint, region: sm.region,
 *   credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
 * });
 * sm.faults.failNext('throttle', { times: 2 });
 * // ... exercise the code under test, then:
 * expect(sm.requestCount('BatchGetSecretValue')).toBe(1);
 * client.destroy();
 * await sm.close();
 * ```
 */
export async function startSecretsManagerServer(options: SecretsManagerServerOptions = {}): Promise<SecretsManagerServer> {
  const where = 'startSecretsManagerServer';
  const region = options.region ?? DEFAULT_SECRETS_MANAGER_SERVER_REGION;
  const accountId = options.accountId ?? DEFAULT_SECRETS_MANAGER_SERVER_ACCOUNT_ID;
  if (typeof region !== 'string' || region.length === 0) throw new TypeError(`${where}: options.region must be a non-empty string`);
  if (typeof accountId !== 'string' || !/^\d{12}$/.test(accountId)) throw new TypeError(`${where}: options.accountId must be 12 digits`);
  if (options.now !== undefined && typeof options.now !== 'function') throw new TypeError(`${where}: options.now must be a function`);
  const { batchPageSize } = options;
  if (batchPageSize !== undefined && (!Number.isInteger(batchPageSize) || batchPageSize < 1)) {
    throw new TypeError(`${where}: options.batchPageSize must be a positive integer`);
  }
  const store = new SecretsManagerStore({ region, accountId, ...(options.now === undefined ? {} : { now: options.now }) });

  const createSecret: SecretsManagerServer['createSecret'] = (name, value, create = {}) => {
    const { secret, version } = unwrap(() =>
      store.create({
        name,
        ...(value === undefined ? {} : { value }),
        ...(create.description === undefined ? {} : { description: create.description }),
        ...(create.versionId === undefined ? {} : { versionId: create.versionId }),
      }),
    );
    return { arn: secret.arn, versionId: version?.versionId };
  };
  for (const [name, seed] of Object.entries(options.secrets ?? {})) {
    if (typeof seed === 'string' || seed instanceof Uint8Array) createSecret(name, seed);
    else createSecret(name, seed.value, seed.description === undefined ? {} : { description: seed.description });
  }

  const server = await startLoopbackServer(secretsManagerProtocol(store, batchPageSize === undefined ? {} : { batchPageSize }), {
    ...(options.latencyMs === undefined ? {} : { latencyMs: options.latencyMs }),
    ...(options.quota === undefined ? {} : { quota: options.quota }),
    ...(options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes }),
  });
  // Assigned onto the kit's handle, not spread: its `requests` and `openConnections` are getters.
  return Object.assign(server, {
    region,
    accountId,
    createSecret,
    putSecretValue: (secretId: string, value: SecretsManagerValue, put: { versionStages?: readonly string[]; versionId?: string } = {}) =>
      unwrap(
        () =>
          store.putValue({
            secretId,
            value,
            ...(put.versionStages === undefined ? {} : { stages: put.versionStages }),
            ...(put.versionId === undefined ? {} : { versionId: put.versionId }),
          }).version.versionId,
      ),
    updateSecretVersionStage: (secretId: string, stage: string, move: { moveToVersionId?: string; removeFromVersionId?: string }) => {
      unwrap(() =>
        store.updateStage({
          secretId,
          stage,
          ...(move.moveToVersionId === undefined ? {} : { moveTo: move.moveToVersionId }),
          ...(move.removeFromVersionId === undefined ? {} : { removeFrom: move.removeFromVersionId }),
        }),
      );
    },
    deleteSecret: (secretId: string, remove: { force?: boolean } = {}) => {
      unwrap(() => store.delete(secretId, remove.force === undefined ? {} : { force: remove.force }));
    },
    restoreSecret: (secretId: string) => {
      unwrap(() => store.restore(secretId));
    },
    describeSecret: (secretId: string): SecretsManagerSecretInfo => {
      const secret = unwrap(() => store.describe(secretId));
      const versionIdsToStages: Record<string, readonly string[]> = {};
      for (const version of secret.versions.values()) if (version.stages.size > 0) versionIdsToStages[version.versionId] = Object.freeze([...version.stages].sort());
      return Object.freeze({ arn: secret.arn, name: secret.name, versionIdsToStages: Object.freeze(versionIdsToStages), deleted: secret.deleted !== undefined });
    },
    denyAccess: (secretId: string, denied = true) => unwrap(() => store.setDenied(secretId, denied)),
  }) as SecretsManagerServer;
}

/** Turns the store's protocol error into a plain one for direct (non-HTTP) callers. */
function unwrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof SecretsManagerApiError) throw new TypeError(`${error.type}: ${error.message}`, { cause: error });
    throw error;
  }
}
