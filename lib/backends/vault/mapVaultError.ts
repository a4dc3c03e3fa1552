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
 * Messages name the path and the HTTP status or socket error code only, which the error also
 * carries as `code` (`'503'`, `'ECONNRESET'`). node-vault's own message is the first entry of the
 * response's `errors` array, i.e. text chosen by whatever answered, so it never reaches a message;
 * the original error is kept as `cause`, with the token masked and the response body removed (its
 * message becomes the status), since the body of any answer may hold a secret.
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
  const status = statusOf(error);
  // Read what the body can tell before it is dropped from the cause.
  const sealed = status === 503 && firstError(error) === 'Vault is sealed' ? ', Vault is sealed' : '';
  const version = status === 404 ? versionState(error) : '';
  const cause = withoutResponseBody(maskToken(error), status);
  if (status !== undefined) {
    const options = { path, cause, code: String(status) };
    if (status === 404) {
      return new SecretNotFoundError(`Secret not found in Vault: ${path} (HTTP 404${version})`, options);
    }
    if (status === 401 || status === 403) {
      const why = context.tokenRenewed === true ? ', again after tokenFactory renewed the token' : '';
      return new AuthError(`Vault denied reading ${path} (HTTP ${status}${why})`, options);
    }
    return new TransientError(`Vault failed reading ${path} (HTTP ${status}${sealed})`, options);
  }
  const code = codeOf(error);
  const options = { path, cause, ...(code === undefined ? {} : { code }) };
  if (code !== undefined && TIMEOUT_CODES.has(code)) {
    return new TransientError(`Vault read of ${path} timed out (${code})`, options);
  }
  return new TransientError(`Vault read of ${path} failed without a response (${code ?? 'no error code'})`, options);
}

/**
 * The body of an answer that was not a success: what Vault (or a proxy in front of it) sent, which
 * can be the secret itself (a caching proxy's 203). node-vault keeps it as `response.body` and uses
 * its `errors[0]` as the message; axios keeps it as `response.data`. The body leaves the cause and
 * the message becomes the status, so no log of the error can print the body. A cause that cannot be
 * changed (frozen) is replaced by a plain error naming the status.
 */
export function withoutResponseBody(error: unknown, status: number | undefined): unknown {
  if (typeof error !== 'object' || error === null || field(error, 'response') === undefined) return error;
  const message = `Vault answered${status === undefined ? '' : ` HTTP ${status}`} (response body withheld)`;
  try {
    Object.defineProperty(error, 'response', {
      value: status === undefined ? {} : { statusCode: status },
      enumerable: true,
      configurable: true,
      writable: true,
    });
    // Duck-typed: node-vault's error may come from another realm (jest's VM modules).
    if (typeof field(error, 'message') === 'string') {
      const stack = field(error, 'stack');
      const frames = (typeof stack === 'string' ? stack : '').split('\n').filter((line) => /^\s+at /.test(line));
      Object.defineProperty(error, 'message', { value: message, configurable: true, writable: true });
      Object.defineProperty(error, 'stack', {
        value: [`${String(field(error, 'name') ?? 'Error')}: ${message}`, ...frames].join('\n'),
        configurable: true,
        writable: true,
      });
    }
    // A copy that kept the body (a getter, a non-configurable property) is not trusted.
    if (field(field(error, 'response'), 'body') === undefined && field(field(error, 'response'), 'data') === undefined) {
      return error;
    }
  } catch {
    // Frozen or otherwise locked: fall through to the stand-in.
  }
  return Object.assign(new Error(message), status === undefined ? {} : { response: { statusCode: status } });
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
