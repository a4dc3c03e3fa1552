import { setMaxListeners } from 'node:events';
import http from 'node:http';
import https from 'node:https';
import { DEFAULT_BATCH_CONCURRENCY } from '../../constants.js';
import { Backend } from '../Backend.js';
import type { OwedPaths } from '../PartialBatchError.js';
import { settleBatch } from '../settleBatch.js';
import type { BackendBatchOptions, BackendGetOptions } from '../Backend.js';
import { AuthError, ConfigError, SecretNotFoundError, TransientError } from '../../errors.js';
import { raceAbort } from '../../internal/abort.js';
import { mapUntilFailure } from '../../internal/mapUntilFailure.js';
import { abortableAgent } from './abortableAgent.js';
import { acceptNonAuthoritative } from './acceptNonAuthoritative.js';
import {
  DEFAULT_VAULT_DEFAULT_KEY,
  DEFAULT_VAULT_MOUNT_POINT,
  DEFAULT_VAULT_TIMEOUT,
  DEFAULT_VAULT_TOKEN_FACTORY_TIMEOUT,
  VAULT_NAMESPACE_HEADER,
  VAULT_TOKEN_HEADER,
} from './constants.js';
import { mapVaultError } from './mapVaultError.js';
import { nodeVault } from './nodeVaultModule.js';
import { parseSecretName } from './parseSecretName.js';
import type { AdaptiveRateLimiter } from '../pacing/AdaptiveRateLimiter.js';
import { buildPacer, type PacingOptions } from '../pacing/buildPacer.js';
import { isThrottlingError } from '../pacing/isThrottlingError.js';
import { retryAfterOf } from '../pacing/retryAfterOf.js';
import { markThrottled, throttleInfo } from '../pacing/throttleInfo.js';
import type { VaultSecretName } from './parseSecretName.js';
import { TokenRenewer } from './TokenRenewer.js';
import type { VaultTokenFactory } from './TokenRenewer.js';
import type { VaultClient, VaultRequestOptions } from './VaultClient.js';

/** Options of {@link VaultBackend}. Give `url` or `client`, not both. */
export interface VaultBackendOptions extends PacingOptions {
  /** Vault's address, such as `https://vault.internal:8200`; the backend builds a node-vault client. */
  url?: string;
  /** The client token. With `client`, overrides the client's own token for this backend's reads. */
  token?: string;
  /** Called when Vault rejects the token (401, or 403 "permission denied"), or when there is none. */
  tokenFactory?: VaultTokenFactory;
  /** Seconds one `tokenFactory` call may take; after that it counts as failed and its signal aborts. */
  tokenFactoryTimeout?: number;
  /** Where the KV v2 engine is mounted. */
  mountPoint?: string;
  /** The field of the secret read when a path has no `:key`. */
  defaultKey?: string;
  /** Vault Enterprise namespace, sent as `X-Vault-Namespace`. */
  namespace?: string;
  /** A ready node-vault client (for TLS settings, a proxy agent, an existing login). */
  client?: VaultClient;
  /** Seconds one HTTP read may take. */
  timeout?: number;
  /** How many secret paths `getBatch` reads at once. */
  concurrency?: number;
  /** Extra HTTP headers for every read (see the note on `client` in {@link VaultBackend}). */
  headers?: Readonly<Record<string, string>>;
}

/** One secret path of a batch, with the names that pick fields of it. */
interface BatchGroup {
  secret: VaultSecretName;
  names: VaultSecretName[];
}

/**
 * Reads secrets from HashiCorp Vault's KV v2 engine through node-vault.
 *
 * `db/creds:password` reads `GET /v1/{mountPoint}/data/db/creds` and returns the `password`
 * field (the last `:` splits); `db/password` returns the `defaultKey` field. A string field is
 * returned as is, any other value as JSON text. `version` pins a KV version. `getBatch` reads each
 * secret path once however many of its fields are asked for.
 *
 * When Vault rejects the token and `tokenFactory` is set, the factory is called (once for all the
 * reads that were rejected together) and each read retried once; a second rejection is an
 * `AuthError`. The token is sent per call, so a renewed token takes effect even with a client whose
 * `requestOptions.headers` node-vault would otherwise pin to the first token. For the same reason a
 * supplied client's `requestOptions.headers` are not sent: pass them as `headers`.
 *
 * node-vault takes no `AbortSignal`; an aborted read rejects at once with the signal's reason, and
 * when the backend built the client itself the HTTP request is destroyed too.
 *
 * @param options.url - Vault's address (required unless `client` is given)
 * @param options.token - the client token (default: the client's, or `VAULT_TOKEN`)
 * @param options.tokenFactory - returns a fresh token, sync or async (default: none; a rejected
 *   token is an `AuthError`)
 * @param options.tokenFactoryTimeout - seconds one `tokenFactory` call may take before the reads
 *   waiting on it fail with an `AuthError` and the next rejected read calls it again (default: 10)
 * @param options.mountPoint - the KV v2 mount (default: `'secret'`)
 * @param options.defaultKey - the field read when the path has no `:key` (default: `'value'`)
 * @param options.namespace - Vault Enterprise namespace (default: the client's, or `VAULT_NAMESPACE`)
 * @param options.client - a ready node-vault client (default: one built from `url`)
 * @param options.timeout - seconds per HTTP read (default: 5)
 * @param options.rateLimit - ceiling in HTTP reads per second for this backend's pacer (default: none)
 * @param options.rateLimiter - a shared `AdaptiveRateLimiter`, or `false` for no pacing (default: one of its own)
 * @param options.concurrency - secret paths read at once by `getBatch` (default: 8)
 * @param options.headers - extra headers for every read (default: none)
 * @throws TypeError at construction when an option is invalid; the message names it
 *
 * @example
 * ```ts
 * import { VaultBackend } from 'vaultly/vault';
 *
 * const backend = new VaultBackend({
 *   url: 'https://vault.internal:8200',
 *   tokenFactory: async () => (await login()).clientToken,
 * });
 * await backend.get('/prod/db:password');          // field `password` of secret/data/prod/db
 * await backend.get('/prod/api-key', { version: 3 }); // field `value` of version 3
 * ```
 */
export class VaultBackend extends Backend {
  readonly #client: VaultClient;
  readonly #mountPath: string;
  readonly #defaultKey: string;
  readonly #namespace: string | undefined;
  readonly #timeoutMs: number;
  readonly #headers: Readonly<Record<string, string>>;
  readonly #tokens: TokenRenewer;
  readonly #limiter: AdaptiveRateLimiter | undefined;
  /** The agent axios would use, when known, so that an abort can destroy the request. */
  readonly #agent: { kind: 'httpAgent'; agent: http.Agent } | { kind: 'httpsAgent'; agent: https.Agent } | undefined;

  constructor(options: VaultBackendOptions = {}) {
    super();
    const { url, client, token, tokenFactory, namespace, headers } = options;
    const mountPoint = options.mountPoint ?? DEFAULT_VAULT_MOUNT_POINT;
    const defaultKey = options.defaultKey ?? DEFAULT_VAULT_DEFAULT_KEY;
    const timeout = options.timeout ?? DEFAULT_VAULT_TIMEOUT;
    const tokenFactoryTimeout = options.tokenFactoryTimeout ?? DEFAULT_VAULT_TOKEN_FACTORY_TIMEOUT;
    const concurrency = options.concurrency ?? DEFAULT_BATCH_CONCURRENCY;

    if (client !== undefined && url !== undefined) {
      throw new TypeError('VaultBackend: give options.url or options.client, not both');
    }
    if (client === undefined && (typeof url !== 'string' || !/^https?:\/\/[^/]/.test(url))) {
      throw new TypeError('VaultBackend: options.url must be an http(s) URL (or give options.client)');
    }
    if (client !== undefined && (typeof client !== 'object' || client === null || typeof client.read !== 'function')) {
      throw new TypeError('VaultBackend: options.client must be a node-vault client');
    }
    if (token !== undefined && (typeof token !== 'string' || token === '')) {
      throw new TypeError('VaultBackend: options.token must be a non-empty string');
    }
    if (tokenFactory !== undefined && typeof tokenFactory !== 'function') {
      throw new TypeError('VaultBackend: options.tokenFactory must be a function');
    }
    const mountSegments = typeof mountPoint === 'string' ? mountPoint.replace(/^\/+|\/+$/g, '').split('/') : [];
    if (mountSegments.length === 0 || mountSegments.some((s) => s === '' || s === '.' || s === '..')) {
      throw new TypeError('VaultBackend: options.mountPoint must be a mount path such as "secret"');
    }
    if (typeof defaultKey !== 'string' || defaultKey === '') {
      throw new TypeError('VaultBackend: options.defaultKey must be a non-empty string');
    }
    if (namespace !== undefined && (typeof namespace !== 'string' || namespace === '')) {
      throw new TypeError('VaultBackend: options.namespace must be a non-empty string');
    }
    if (namespace !== undefined && client?.namespace !== undefined && client.namespace !== namespace) {
      throw new TypeError("VaultBackend: options.namespace differs from the client's namespace, which node-vault sends instead");
    }
    if (typeof timeout !== 'number' || !Number.isFinite(timeout) || timeout <= 0) {
      throw new TypeError('VaultBackend: options.timeout must be a positive number of seconds');
    }
    if (typeof tokenFactoryTimeout !== 'number' || !Number.isFinite(tokenFactoryTimeout) || tokenFactoryTimeout <= 0) {
      throw new TypeError('VaultBackend: options.tokenFactoryTimeout must be a positive number of seconds');
    }
    if (!Number.isSafeInteger(concurrency) || concurrency < 1) {
      throw new TypeError('VaultBackend: options.concurrency must be a positive integer');
    }
    if (
      headers !== undefined &&
      (typeof headers !== 'object' || headers === null || Object.values(headers).some((v) => typeof v !== 'string'))
    ) {
      throw new TypeError('VaultBackend: options.headers must be an object of header names to strings');
    }

    if (client !== undefined) {
      this.#client = client;
      // Unknown transport (the client may carry TLS options or a proxy agent): an abort settles the
      // read but leaves the request to its timeout.
      this.#agent = undefined;
    } else {
      const endpoint = url as string;
      this.#client = nodeVault({
        endpoint,
        ...(token === undefined ? {} : { token }),
        ...(namespace === undefined ? {} : { namespace }),
      });
      // node-vault builds its own https agent only when VAULT_SKIP_VERIFY is set; otherwise axios
      // uses Node's global agents, which a per-call stand-in can wrap without changing behaviour.
      if (endpoint.startsWith('http:')) this.#agent = { kind: 'httpAgent', agent: http.globalAgent };
      else if (!process.env['VAULT_SKIP_VERIFY']) this.#agent = { kind: 'httpsAgent', agent: https.globalAgent };
      else this.#agent = undefined;
    }
    this.#mountPath = mountSegments.map(encodeURIComponent).join('/');
    this.#defaultKey = defaultKey;
    this.#namespace = namespace;
    this.#timeoutMs = timeout * 1000;
    this.#limiter = buildPacer('VaultBackend', options);
    this.#headers = { ...headers };
    this.batchConcurrency = concurrency;
    const vaultClient = this.#client;
    this.#tokens = new TokenRenewer(token, tokenFactory, () => vaultClient.token, { timeoutMs: tokenFactoryTimeout * 1000 });
  }

  /** The pacer every HTTP read of this backend waits on (`undefined` with `rateLimiter: false`). */
  get rateLimiter(): AdaptiveRateLimiter | undefined {
    return this.#limiter;
  }

  /**
   * Reads one field of one secret.
   *
   * @param path - `secret/path` or `secret/path:key`; a leading `/` is dropped
   * @param options.version - a KV version (a positive integer, or its decimal string)
   * @param options.signal - aborts the read; the promise rejects with the signal's reason
   * @throws SecretNotFoundError when the secret, the version or the key does not exist (deleted
   *   and destroyed versions included); the message lists the keys present, never a value
   * @throws AuthError when Vault rejects the token (after one renewal, with `tokenFactory`)
   * @throws TransientError on throttling, 5xx, a sealed Vault, timeouts and dropped connections
   * @throws ConfigError when the path or version is malformed
   */
  async get(path: string, options: BackendGetOptions = {}): Promise<string> {
    const { signal } = options;
    signal?.throwIfAborted();
    const name = parseSecretName(path, this.#defaultKey);
    const version = parseVersion(options.version, path);
    const data = await raceAbort(this.#read(name, path, version, signal, options.timeLeft), signal);
    return pickField(data, name);
  }

  /**
   * Reads many unversioned fields, one HTTP read per secret path (`db:user` and `db:password`
   * cost one), at most `concurrency` at once. Rejects with one `SecretNotFoundError` naming every
   * missing path or key. A read that fails with a `TransientError` leaves the others running: the
   * batch then rejects with a `PartialBatchError` carrying what was read and owing only that
   * secret's paths. Any other failure rejects the batch and aborts the reads in flight.
   *
   * @param paths - vaultly paths, as for {@link VaultBackend.get}
   * @param options.signal - aborts the whole batch
   */
  override async getBatch(paths: readonly string[], options: BackendBatchOptions = {}): Promise<Record<string, string>> {
    options.signal?.throwIfAborted();
    const groups = new Map<string, BatchGroup>();
    for (const path of new Set(paths)) {
      const name = parseSecretName(path, this.#defaultKey);
      const group = groups.get(name.urlPath);
      if (group === undefined) groups.set(name.urlPath, { secret: name, names: [name] });
      else group.names.push(name);
    }
    const list = [...groups.values()];
    const results = await mapUntilFailure(
      list,
      this.batchConcurrency,
      options.signal,
      (group, signal) => {
        const label = group.names.length === 1 ? group.secret.name : group.secret.secretPath;
        return raceAbort(this.#read(group.secret, label, undefined, signal, options.timeLeft), signal);
      },
      // Each read in flight listens to the batch's signal up to three times (the race, the token
      // renewal and the request cut), all removed when it settles: not a leak.
      (signal) => setMaxListeners(Math.max(10, 3 * this.batchConcurrency), signal),
    );
    const values = Object.create(null) as Record<string, string>; // `__proto__` is a plain key
    const missing: string[] = [];
    const causes: unknown[] = [];
    const owed: OwedPaths[] = [];
    results.forEach((result, i) => {
      const group = list[i] as BatchGroup;
      if (result.status === 'rejected' && !SecretNotFoundError.is(result.reason)) {
        // A transient failure of one secret: the others' values are kept and only it is owed.
        owed.push({ paths: group.names.map((name) => name.name), error: result.reason });
        return;
      }
      for (const name of group.names) {
        try {
          if (result.status === 'rejected') throw result.reason;
          values[name.name] = pickField(result.value, name);
        } catch (error) {
          missing.push(name.name);
          if (!causes.includes(error)) causes.push(error);
        }
      }
    });
    const cause = causes.length <= 1 ? causes[0] : new AggregateError(causes, 'Secrets not found');
    return settleBatch([...new Set(paths)], values, missing, owed, cause);
  }

  /** The secret's data object, reading with a renewed token once if Vault rejects the first. */
  async #read(
    name: VaultSecretName,
    label: string,
    version: number | undefined,
    signal: AbortSignal | undefined,
    timeLeft: (() => number) | undefined,
  ): Promise<Record<string, unknown>> {
    const urlPath = `${this.#mountPath}/data/${name.urlPath}${version === undefined ? '' : `?version=${version}`}`;
    let token = this.#tokens.current();
    if (token === undefined && this.#tokens.canRenew) token = await this.#renew(undefined, label, signal);
    let body: unknown;
    try {
      body = await this.#request(urlPath, token, signal, timeLeft);
    } catch (error) {
      if (!this.#tokens.canRenew || !isRejectedToken(error)) throw paced(mapVaultError(error, { path: label }), error);
      signal?.throwIfAborted();
      token = await this.#renew(token, label, signal);
      try {
        body = await this.#request(urlPath, token, signal, timeLeft);
      } catch (retryError) {
        throw paced(mapVaultError(retryError, { path: label, tokenRenewed: true }), retryError);
      }
    }
    const data = (body as { data?: { data?: unknown } } | undefined)?.data?.data;
    if (typeof data !== 'object' || data === null || Array.isArray(data)) {
      // The body is not quoted: a KV v1 mount answers with the secret itself.
      throw new TransientError(
        `Vault returned no KV v2 data for ${label} (is ${this.#mountPath} a KV v2 mount?)`,
        { path: label },
      );
    }
    return data as Record<string, unknown>;
  }

  async #renew(rejected: string | undefined, label: string, signal: AbortSignal | undefined): Promise<string> {
    try {
      return await raceAbort(this.#tokens.renew(rejected), signal);
    } catch (error) {
      if (signal?.aborted === true) throw error;
      throw new AuthError(`Could not renew the Vault token to read ${label}`, { path: label, cause: error });
    }
  }

  /**
   * One HTTP read behind the pacer, telling it how the read went. A throttled read (429) slows the
   * pacer down and is marked, so the mapped error carries that mark. (node-vault keeps only a
   * failed response's status and body, so a `Retry-After` header is not seen.)
   */
  async #request(urlPath: string, token: string | undefined, signal: AbortSignal | undefined, timeLeft?: () => number): Promise<unknown> {
    const limiter = this.#limiter;
    const ticket = limiter === undefined ? 0 : await limiter.acquire(signal, timeLeft);
    try {
      const body = await this.#send(urlPath, token, signal).catch(acceptNonAuthoritative);
      limiter?.onSuccess(ticket);
      return body;
    } catch (error) {
      if (isThrottlingError(error) && signal?.aborted !== true && error instanceof Error) {
        const retryAfter = retryAfterOf(error);
        limiter?.onThrottle(ticket, retryAfter);
        markThrottled(error, { paced: limiter !== undefined, ...(retryAfter === undefined ? {} : { retryAfter }) });
      } else {
        limiter?.onFailure(ticket);
      }
      throw error;
    }
  }

  #send(urlPath: string, token: string | undefined, signal: AbortSignal | undefined): Promise<unknown> {
    // A fresh headers object per call: node-vault writes the token into the object it is given,
    // and a shared one (a client's requestOptions.headers) would pin the first token forever.
    const headers: Record<string, string> = { ...this.#headers };
    if (token !== undefined) headers[VAULT_TOKEN_HEADER] = token;
    if (this.#namespace !== undefined) headers[VAULT_NAMESPACE_HEADER] = this.#namespace;
    const requestOptions: VaultRequestOptions = { headers, timeout: this.#timeoutMs };
    if (signal === undefined || this.#agent === undefined) return this.#client.read(urlPath, requestOptions);
    if (this.#agent.kind === 'httpAgent') {
      const { agent, dispose } = abortableAgent(this.#agent.agent, signal);
      requestOptions.httpAgent = agent;
      return this.#client.read(urlPath, requestOptions).finally(dispose);
    }
    const { agent, dispose } = abortableAgent(this.#agent.agent, signal);
    requestOptions.httpsAgent = agent;
    return this.#client.read(urlPath, requestOptions).finally(dispose);
  }
}

/** 401, or 403 (Vault's answer to an unknown, expired or revoked token is 403 "permission denied"). */
function isRejectedToken(error: unknown): boolean {
  const status = (error as { response?: { statusCode?: unknown } } | null)?.response?.statusCode;
  return status === 401 || status === 403;
}

function parseVersion(version: number | string | undefined, path: string): number | undefined {
  if (version === undefined) return undefined;
  const parsed = typeof version === 'string' && /^[1-9][0-9]*$/.test(version) ? Number(version) : version;
  if (typeof parsed !== 'number' || !Number.isSafeInteger(parsed) || parsed < 1) {
    throw new ConfigError(`Vault KV versions are positive integers; got ${String(version)} for ${path}`, { path });
  }
  return parsed;
}

function pickField(data: Record<string, unknown>, name: VaultSecretName): string {
  if (!Object.hasOwn(data, name.key)) {
    const keys = Object.keys(data);
    throw new SecretNotFoundError(
      `Vault secret ${name.secretPath} has no key "${name.key}" (keys: ${keys.length === 0 ? 'none' : keys.join(', ')})`,
      { path: name.name },
    );
  }
  const value = data[name.key];
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** Carries the throttle mark of the client's error over to the error mapped from it. */
function paced(mapped: Error, raw: unknown): Error {
  const info = throttleInfo(raw);
  return info === undefined ? mapped : markThrottled(mapped, info);
}
