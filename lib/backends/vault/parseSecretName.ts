import { ConfigError } from '../../errors.js';

/** A vaultly path split into the Vault secret it reads and the field it picks. */
export interface VaultSecretName {
  /** The name as the caller gave it, used in errors. */
  name: string;
  /** The secret's path inside the mount, without a leading `/`. */
  secretPath: string;
  /** The secret's path with each segment percent-encoded, ready for a URL. */
  urlPath: string;
  /** The field of the secret's data. */
  key: string;
}

/**
 * Splits `path:key` at its LAST colon (so `app:cfg:token` reads secret `app:cfg`, field `token`),
 * falls back to `defaultKey`, drops leading slashes and percent-encodes each segment, since
 * node-vault puts the path into the URL as given.
 *
 * @param name - a vaultly path such as `/db/creds:password`
 * @param defaultKey - the field read when `name` has no `:key`
 * @throws ConfigError when the path or key is empty, or a segment is empty, `.` or `..` (URL
 *   normalisation would make such a read address another secret, or another mount)
 *
 * @example
 * ```ts
 * parseSecretName('/db/creds:password', 'value'); // { secretPath: 'db/creds', key: 'password', ... }
 * ```
 */
export function parseSecretName(name: string, defaultKey: string): VaultSecretName {
  const colon = name.lastIndexOf(':');
  const secretPath = (colon === -1 ? name : name.slice(0, colon)).replace(/^\/+/, '');
  const key = colon === -1 ? defaultKey : name.slice(colon + 1);
  if (key === '') throw new ConfigError(`Vault secret name ${name} has an empty key after ':'`, { path: name });
  if (secretPath === '') throw new ConfigError(`Vault secret name ${name} has an empty path`, { path: name });
  const segments = secretPath.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..')) {
    throw new ConfigError(`Vault secret path ${name} has an empty, '.' or '..' segment`, { path: name });
  }
  return { name, secretPath, urlPath: segments.map(encodeURIComponent).join('/'), key };
}
