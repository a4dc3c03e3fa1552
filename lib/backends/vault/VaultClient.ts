import type { Agent as HttpAgent } from 'node:http';
import type { Agent as HttpsAgent } from 'node:https';

/** The per-call request options of a node-vault read that the backend sets. */
export interface VaultRequestOptions {
  /** Replaces the client's `requestOptions.headers` for this call. */
  headers?: Record<string, string>;
  /** Milliseconds, forwarded to axios. */
  timeout?: number;
  /** Forwarded to axios for `http:` endpoints. */
  httpAgent?: HttpAgent;
  /** Forwarded to axios for `https:` endpoints. */
  httpsAgent?: HttpsAgent;
}

/**
 * The part of a node-vault client that {@link VaultBackend} uses. A client made by
 * `nodeVault({ endpoint, token })` fits; so does a test double.
 *
 * @example
 * ```ts
 * import nodeVault from 'node-vault';
 * const client: VaultClient = nodeVault({ endpoint: 'https://vault:8200', token });
 * ```
 */
export interface VaultClient {
  /** The token node-vault sends when a call sets no `X-Vault-Token` header. */
  token?: string | undefined;
  /** The namespace node-vault sends as `X-Vault-Namespace` on every call. */
  namespace?: string | undefined;
  /** `GET /v1/{path}`; rejects on any status but 200 and 204. */
  read(path: string, requestOptions?: VaultRequestOptions): Promise<unknown>;
}
