import { AuthError, ConfigError, SecretNotFoundError, TransientError, VaultlyError } from '../../errors.js';

/**
 * Maps a file system failure while reading the secret at `path` (the file `file`) onto vaultly's
 * errors: a missing file (or a missing directory on the way) is a {@link SecretNotFoundError},
 * `EACCES`/`EPERM` an {@link AuthError}, a directory where a file should be, a symlink loop or an
 * over-long name a {@link ConfigError}, anything else a {@link TransientError}. vaultly's own
 * errors pass through unchanged. The message names the path and the file, never content (a file
 * system error holds none).
 */
export function mapFileError(error: unknown, path: string, file: string): VaultlyError {
  if (VaultlyError.is(error)) return error;
  const code = typeof error === 'object' && error !== null ? (error as { code?: unknown }).code : undefined;
  switch (code) {
    case 'ENOENT':
    case 'ENOTDIR':
      return new SecretNotFoundError(`Secret not found: ${path} (no file at ${file})`, { path, cause: error });
    case 'EACCES':
    case 'EPERM':
      return new AuthError(`Permission denied reading secret ${path} (file ${file})`, { path, cause: error });
    case 'EISDIR':
      return new ConfigError(`FileBackend: secret path '${path}' names a directory (${file}), not a file`, { path, cause: error });
    // Retrying cannot fix these: the path or the mount's links are wrong.
    case 'ELOOP':
      return new ConfigError(`FileBackend: secret path '${path}' runs into a symlink loop (${file})`, { path, cause: error });
    case 'ENAMETOOLONG':
      return new ConfigError(`FileBackend: secret path '${path}' is too long for the file system (${file})`, { path, cause: error });
    default:
      return new TransientError(`Could not read secret ${path} (file ${file}): ${typeof code === 'string' ? code : 'I/O error'}`, {
        path,
        cause: error,
      });
  }
}
