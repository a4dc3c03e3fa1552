import { createRequire } from 'node:module';
import { ConfigError } from '../errors.js';

/**
 * Loads an optional peer dependency of a subpath entry (`@aws-sdk/client-ssm` for
 * `vaultly/aws-ssm`, `node-vault` for `vaultly/vault`) synchronously, so that a missing package
 * fails with a message saying what to install, rather than a bare `ERR_MODULE_NOT_FOUND` from a
 * static import, which no code of ours could catch. `require` is used because both peers are
 * CommonJS packages (which `import` would load as the same files), and because a dynamic
 * `import()` would need a top-level await, which would stop `require('vaultly/...')` from working.
 *
 * @param name - the package to load
 * @param entry - the vaultly entry point that needs it, named in the error
 * @throws ConfigError naming the package to install when it cannot be found; any other failure
 *   while loading it is rethrown as is
 *
 * @example
 * ```ts
 * const sdk = requirePeer<typeof import('@aws-sdk/client-ssm')>('@aws-sdk/client-ssm', 'vaultly/aws-ssm');
 * ```
 */
export function requirePeer<T>(name: string, entry: string): T {
  try {
    return createRequire(import.meta.url)(name) as T;
  } catch (error) {
    if (!isMissing(error, name)) throw error;
    throw new ConfigError(
      `${entry} needs the package ${name}, an optional peer dependency of vaultly: install it (npm install ${name})`,
      { cause: error, code: 'MODULE_NOT_FOUND' },
    );
  }
}

/** The package itself is missing (not one of its own dependencies, which is a broken install). */
function isMissing(error: unknown, name: string): boolean {
  const { code, message } = (typeof error === 'object' && error !== null ? error : {}) as { code?: unknown; message?: unknown };
  return (
    (code === 'MODULE_NOT_FOUND' || code === 'ERR_MODULE_NOT_FOUND') &&
    typeof message === 'string' &&
    message.includes(`'${name}'`)
  );
}
