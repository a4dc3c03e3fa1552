import { DEFAULT_SECRETS_MANAGER_BATCH_PAGE_SIZE, SECRETS_MANAGER_MAX_BATCH_IDS } from './constants.js';
import { SecretsManagerApiError } from './SecretsManagerApiError.js';
import type { SecretsManagerStore, StoredSecret, StoredSecretVersion } from './SecretsManagerStore.js';

/** The operations the loopback Secrets Manager server answers. */
export const SECRETS_MANAGER_OPERATIONS = Object.freeze([
  'GetSecretValue',
  'BatchGetSecretValue',
  'CreateSecret',
  'PutSecretValue',
  'UpdateSecretVersionStage',
  'DescribeSecret',
  'DeleteSecret',
  'RestoreSecret',
] as const);

/** One of {@link SECRETS_MANAGER_OPERATIONS}. */
export type SecretsManagerOperation = (typeof SECRETS_MANAGER_OPERATIONS)[number];

/** Knobs of the dispatcher that are not part of the protocol. */
export interface SecretsManagerDispatchOptions {
  /** Per-secret answers per `BatchGetSecretValue` page; more make a `NextToken` (default: 20). */
  batchPageSize?: number;
}

type Input = Readonly<Record<string, unknown>>;

/**
 * Runs one Secrets Manager operation against `store`, independent of HTTP: the parsed JSON input
 * in, the JSON output out, or a {@link SecretsManagerApiError} thrown. Timestamps are epoch
 * seconds and `SecretBinary` is base64, as the awsJson1_1 protocol encodes them.
 *
 * @example
 * ```ts
 * runSecretsManagerOperation(store, 'GetSecretValue', { SecretId: 'prod/db', VersionStage: 'AWSPREVIOUS' });
 * ```
 */
export function runSecretsManagerOperation(
  store: SecretsManagerStore,
  operation: string,
  input: Input,
  options: SecretsManagerDispatchOptions = {},
): Record<string, unknown> {
  switch (operation) {
    case 'GetSecretValue': {
      const { secret, version } = store.getValue({
        secretId: str(input, 'SecretId', true),
        ...opt('versionId', str(input, 'VersionId')),
        ...opt('stage', str(input, 'VersionStage')),
      });
      return valueEntry(secret, version);
    }
    case 'BatchGetSecretValue':
      return batchGet(store, input, options.batchPageSize ?? DEFAULT_SECRETS_MANAGER_BATCH_PAGE_SIZE);
    case 'CreateSecret': {
      const value = valueOf(input, false);
      const { secret, version } = store.create({
        name: str(input, 'Name', true),
        ...opt('value', value),
        ...opt('versionId', str(input, 'ClientRequestToken')),
        ...opt('description', str(input, 'Description')),
      });
      return { ARN: secret.arn, Name: secret.name, ...(version === undefined ? {} : { VersionId: version.versionId }) };
    }
    case 'PutSecretValue': {
      const { secret, version } = store.putValue({
        secretId: str(input, 'SecretId', true),
        value: valueOf(input, true) as string | Uint8Array,
        ...opt('versionId', str(input, 'ClientRequestToken')),
        ...opt('stages', strList(input, 'VersionStages')),
      });
      return { ARN: secret.arn, Name: secret.name, VersionId: version.versionId, VersionStages: [...version.stages] };
    }
    case 'UpdateSecretVersionStage': {
      const secret = store.updateStage({
        secretId: str(input, 'SecretId', true),
        stage: str(input, 'VersionStage', true),
        ...opt('moveTo', str(input, 'MoveToVersionId')),
        ...opt('removeFrom', str(input, 'RemoveFromVersionId')),
      });
      return { ARN: secret.arn, Name: secret.name };
    }
    case 'DescribeSecret': {
      const secret = store.describe(str(input, 'SecretId', true));
      return describe(secret);
    }
    case 'DeleteSecret': {
      const force = input['ForceDeleteWithoutRecovery'];
      const days = input['RecoveryWindowInDays'];
      if (force !== undefined && typeof force !== 'boolean') throw serialization('ForceDeleteWithoutRecovery');
      if (days !== undefined && typeof days !== 'number') throw serialization('RecoveryWindowInDays');
      const { secret, deletionDate } = store.delete(str(input, 'SecretId', true), {
        ...opt('force', force),
        ...opt('recoveryWindowInDays', days),
      });
      return { ARN: secret.arn, Name: secret.name, DeletionDate: seconds(deletionDate) };
    }
    case 'RestoreSecret': {
      const secret = store.restore(str(input, 'SecretId', true));
      return { ARN: secret.arn, Name: secret.name };
    }
    default:
      throw new SecretsManagerApiError('UnknownOperationException', 400, `Unknown operation ${operation}`);
  }
}

function batchGet(store: SecretsManagerStore, input: Input, pageSize: number): Record<string, unknown> {
  if (input['Filters'] !== undefined) {
    throw SecretsManagerApiError.invalidParameter('Filters are not supported by this test server; pass SecretIdList.');
  }
  const ids = strList(input, 'SecretIdList');
  if (ids === undefined || ids.length === 0 || ids.length > SECRETS_MANAGER_MAX_BATCH_IDS) {
    throw SecretsManagerApiError.invalidParameter(`SecretIdList must hold 1 to ${SECRETS_MANAGER_MAX_BATCH_IDS} secret ids.`);
  }
  const token = str(input, 'NextToken');
  const start = token === undefined ? 0 : Number(token);
  if (!Number.isInteger(start) || start < 0 || start >= ids.length) {
    throw new SecretsManagerApiError('InvalidNextTokenException', 400, 'The NextToken value is not valid.');
  }
  const page = ids.slice(start, start + pageSize);
  const values: Record<string, unknown>[] = [];
  const errors: Record<string, unknown>[] = [];
  for (const id of page) {
    try {
      const { secret, version } = store.getValue({ secretId: id });
      values.push(valueEntry(secret, version));
    } catch (error) {
      if (!(error instanceof SecretsManagerApiError)) throw error;
      errors.push({ SecretId: id, ErrorCode: error.type, Message: error.message });
    }
  }
  const next = start + page.length;
  return { SecretValues: values, Errors: errors, ...(next < ids.length ? { NextToken: String(next) } : {}) };
}

function valueEntry(secret: StoredSecret, version: StoredSecretVersion): Record<string, unknown> {
  const { value } = version;
  return {
    ARN: secret.arn,
    Name: secret.name,
    VersionId: version.versionId,
    ...(typeof value === 'string' ? { SecretString: value } : { SecretBinary: Buffer.from(value).toString('base64') }),
    VersionStages: [...version.stages],
    CreatedDate: seconds(version.created),
  };
}

function describe(secret: StoredSecret): Record<string, unknown> {
  const versions: Record<string, string[]> = {};
  for (const version of secret.versions.values()) if (version.stages.size > 0) versions[version.versionId] = [...version.stages];
  return {
    ARN: secret.arn,
    Name: secret.name,
    ...(secret.description === undefined ? {} : { Description: secret.description }),
    CreatedDate: seconds(secret.created),
    LastChangedDate: seconds(secret.lastChanged),
    ...(secret.deleted === undefined ? {} : { DeletedDate: seconds(secret.deleted) }),
    VersionIdsToStages: versions,
  };
}

/** `SecretString` or base64 `SecretBinary`, exactly one when `required`, at most one otherwise. */
function valueOf(input: Input, required: boolean): string | Uint8Array | undefined {
  const text = str(input, 'SecretString');
  const binary = str(input, 'SecretBinary');
  if (text !== undefined && binary !== undefined) {
    throw SecretsManagerApiError.invalidParameter('You must provide either SecretString or SecretBinary, not both.');
  }
  if (binary !== undefined) return Buffer.from(binary, 'base64');
  if (text === undefined && required) throw SecretsManagerApiError.invalidParameter('You must provide either SecretString or SecretBinary.');
  return text;
}

function str(input: Input, field: string, required: true): string;
function str(input: Input, field: string, required?: false): string | undefined;
function str(input: Input, field: string, required = false): string | undefined {
  const value = input[field];
  if (value === undefined || value === null) {
    if (required) throw SecretsManagerApiError.invalidParameter(`${field} is required.`);
    return undefined;
  }
  if (typeof value !== 'string') throw serialization(field);
  return value;
}

function strList(input: Input, field: string): string[] | undefined {
  const value = input[field];
  if (value === undefined || value === null) return undefined;
  if (!Array.isArray(value) || !value.every((v): v is string => typeof v === 'string')) throw serialization(field);
  return value;
}

function serialization(field: string): SecretsManagerApiError {
  return new SecretsManagerApiError('SerializationException', 400, `Unexpected type for ${field}`);
}

function opt<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}

function seconds(date: Date): number {
  return date.getTime() / 1000;
}
