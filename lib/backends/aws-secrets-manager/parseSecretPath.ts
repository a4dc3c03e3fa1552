import { ConfigError } from '../../errors.js';
import { SECRETS_MANAGER_CURRENT_STAGE, SECRETS_MANAGER_KEY_SEPARATOR } from './constants.js';

/** A vaultly path taken apart: the `SecretId` to send, and the JSON key to read, if any. */
export interface SecretPath {
  /** A secret name or ARN, as Secrets Manager's `SecretId` takes it. */
  readonly secretId: string;
  /** The key of a JSON secret to read (after the last `#`), or `undefined` for the whole value. */
  readonly key: string | undefined;
}

/** Which version a read selects: exactly one of the two fields of `GetSecretValue`. */
export type VersionSelector = { readonly VersionId: string } | { readonly VersionStage: string };

// Secrets Manager's own version ids are the ClientRequestToken of the write, a UUID in every SDK.
const VERSION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_STAGE_LENGTH = 256;

/**
 * Splits `secretId#key` at the last `#` (secret names and ARNs never contain one).
 * @throws ConfigError when the secret id or the key is empty
 */
export function parseSecretPath(path: string): SecretPath {
  const at = path.lastIndexOf(SECRETS_MANAGER_KEY_SEPARATOR);
  const secretId = at < 0 ? path : path.slice(0, at);
  const key = at < 0 ? undefined : path.slice(at + 1);
  if (secretId.length === 0) throw new ConfigError(`Invalid Secrets Manager path ${path}: the secret id before '#' is empty`, { path });
  if (key !== undefined && key.length === 0) {
    throw new ConfigError(`Invalid Secrets Manager path ${path}: the JSON key after '#' is empty`, { path });
  }
  return { secretId, key };
}

/**
 * A UUID is a `VersionId`; any other non-empty string is a staging label; no version is
 * `AWSCURRENT`. A number is a `ConfigError`: Secrets Manager has no version numbers.
 */
export function versionSelector(path: string, version: number | string | undefined): VersionSelector {
  if (version === undefined) return { VersionStage: SECRETS_MANAGER_CURRENT_STAGE };
  if (typeof version !== 'string') {
    throw new ConfigError(
      `Invalid version for ${path}: Secrets Manager has no version numbers; use a version id (a UUID) or a staging label such as 'AWSPREVIOUS'`,
      { path },
    );
  }
  if (VERSION_ID.test(version)) return { VersionId: version };
  if (version.length === 0 || version.length > MAX_STAGE_LENGTH) {
    throw new ConfigError(`Invalid version for ${path}: a staging label has 1 to ${MAX_STAGE_LENGTH} characters`, { path });
  }
  return { VersionStage: version };
}
