import { SecretNotFoundError } from '../errors.js';

/** One {@link SecretNotFoundError} naming every missing path. */
export function missingSecrets(paths: readonly string[], cause?: unknown): SecretNotFoundError {
  const list = paths.join(', ');
  const first = paths[0];
  return new SecretNotFoundError(
    paths.length === 1 ? `Secret not found: ${list}` : `${paths.length} secrets not found: ${list}`,
    { paths, cause, ...(paths.length === 1 && first !== undefined ? { path: first } : {}) },
  );
}
