import { MASK } from '../../constants.js';
import { AuthError, SecretNotFoundError, TransientError, VaultlyError } from '../../errors.js';
import { VAULT_TOKEN_HEADER } from './constants.js';

/** What {@link mapVaultError} needs to know about the failed read. */
export interface VaultErrorContext {
  /** The vaultly path being read; named in the message and set as the error's `path`. */
  path: string;
  /** Whether the token was already renewed through `tokenFactory` for this read. */
  tokenRenewed?: boolean;
}

const TIMEOUT_CODES: ReadonlySet<string> = new Set(['ECONNABORTED', 'ETIMEDOUT']);

/**
 * Maps a node-vault or axios failure onto vaultly's error classes: 404 (also a deleted or
 * destroyed version) → `SecretNotFoundError`; 401 and 403 → `AuthError`; 429, 412, 5xx (503 sealed
 * included), timeouts, dropped connections and anything unrecognised → `TransientError`. An error
 * that already is a `VaultlyError` is returned unchanged.
 *
 * Messages name the path and the HTTP status or socket error code only. node-vault's own message
 * is the first entry of the response's `errors` array, i.e. text chosen by whatever answered, so it
 * never reaches a message; the original error is kept as `cause`, with the token masked.
 *
 * @param error - what node-vault rejected with
 * @param context.path - the vaultly path being read
 * @param context.tokenRenewed - whether the token was already renewed (changes the auth message)
 *
 * @example
 * ```ts
 * try { await client.read('secret/data/db'); } catch (e) { throw mapVaultError(e, { path: 'db' }); }
 * ```
 */
export function mapVaultError(error: unknown, context: VaultErrorContext): VaultlyError {
  if (VaultlyError.is(error)) return error;
  const { path } = context;
  const cause = maskToken(error);
  const status = statusOf(error);
  if (status !== undefined) {
    if (status === 404) {
      return new SecretNotFoundError(`Secret not found in Vault: ${path} (HTTP 404${versionState(error)})`, {
        path,
        cause,
      });
    }
    if (status === 401 || status === 403) {
      const why = context.tokenRenewed === true ? ', again after tokenFactory renewed the token' : '';
      return new AuthError(`Vault denied reading ${path} (HTTP ${status}${why})`, { path, cause });
    }
    const sealed = status === 503 && firstError(error) === 'Vault is sealed' ? ', Vault is sealed' : '';
    return new TransientError(`Vault failed reading ${path} (HTTP ${status}${sealed})`, { path, cause });
  }
  const code = codeOf(error);
  if (code !== undefined && TIMEOUT_CODES.has(code)) {
    return new TransientError(`Vault read of ${path} timed out (${code})`, { path, cause });
  }
  return new TransientError(`Vault read of ${path} failed without a response (${code ?? 'no error code'})`, {
    path,
    cause,
  });
}

function statusOf(error: unknown): number | undefined {
  const response = field(error, 'response');
  const status = field(response, 'statusCode') ?? field(response, 'status');
  return typeof status === 'number' ? status : undefined;
}

function codeOf(error: unknown): string | undefined {
  const code = field(error, 'code');
  return typeof code === 'string' && /^[A-Z0-9_]+$/.test(code) ? code : undefined;
}

function firstError(error: unknown): unknown {
  const errors = field(field(field(error, 'response'), 'body'), 'errors');
  return Array.isArray(errors) ? errors[0] : undefined;
}

/** `', version 3 deleted'` when Vault's 404 body carries the metadata of a deleted/destroyed version. */
function versionState(error: unknown): string {
  const metadata = field(field(field(field(error, 'response'), 'body'), 'data'), 'metadata');
  const version = field(metadata, 'version');
  if (typeof version !== 'number') return '';
  if (field(metadata, 'destroyed') === true) return `, version ${version} destroyed`;
  const deletion = field(metadata, 'deletion_time');
  return typeof deletion === 'string' && deletion !== '' ? `, version ${version} deleted` : '';
}

function field(value: unknown, name: string): unknown {
  return typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
}

/**
 * An axios error carries the request config (headers included) and the raw `ClientRequest`,
 * whose `_header` holds the token in clear text; `console.log(error)` and pino's serializer print
 * both. The token is masked in the config, and the request hidden from enumeration.
 */
function maskToken(error: unknown): unknown {
  const headers = field(field(error, 'config'), 'headers');
  if (typeof headers === 'object' && headers !== null) {
    for (const name of Object.keys(headers)) {
      if (name.toLowerCase() === VAULT_TOKEN_HEADER.toLowerCase()) {
        (headers as Record<string, unknown>)[name] = MASK;
      }
    }
  }
  try {
    if (typeof error === 'object' && error !== null && Object.hasOwn(error, 'request')) {
      Object.defineProperty(error, 'request', { enumerable: false });
    }
  } catch {
    // A frozen error keeps its shape; its config token is already masked where writable.
  }
  return error;
}
