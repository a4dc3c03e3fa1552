import { ConfigError, SecretNotFoundError } from '../../errors.js';

/**
 * Reads `key` of a JSON-object secret. A string value comes back as is; any other JSON value as
 * JSON text (as `VaultBackend` does). No error carries the secret's content, nor the parse error
 * (V8's `SyntaxError` quotes the text it failed on).
 *
 * @param value - the secret's `SecretString`
 * @param path - the vaultly path (`secretId#key`), named in errors
 * @param secretId - the secret the value came from, named in errors
 * @param key - the key to read
 * @throws ConfigError when the secret is not a JSON object
 * @throws SecretNotFoundError when the object has no such key
 */
export function readSecretKey(value: string, path: string, secretId: string, key: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(value);
  } catch {
    parsed = undefined;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new ConfigError(`${path} reads key '${key}', but the secret ${secretId} is not a JSON object`, { path });
  }
  if (!Object.hasOwn(parsed, key)) {
    throw new SecretNotFoundError(`Secret not found: ${path} (the JSON secret ${secretId} has no key '${key}')`, { path });
  }
  const field: unknown = (parsed as Record<string, unknown>)[key];
  return typeof field === 'string' ? field : JSON.stringify(field);
}
