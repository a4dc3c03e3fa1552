import { randomUUID } from 'node:crypto';

import { COMMON_FAULT_KINDS, startLoopbackServer } from '../kit/index.js';
import type { ArmedFault, LoopbackIncoming, LoopbackRequest, LoopbackResponse, LoopbackServer, LoopbackServerOptions } from '../kit/index.js';
import { DEFAULT_VAULT_SERVER_MOUNT, DEFAULT_VAULT_SERVER_TOKEN } from './constants.js';
import { handleKvRequest } from './handleKvRequest.js';
import { lookupSelf } from './lookupSelf.js';
import { vaultErrors } from './vaultResponses.js';
import type { KvResponse } from './vaultResponses.js';
import { VaultStore } from './VaultStore.js';
import { VaultTokens } from './VaultTokens.js';

/**
 * The fault kinds the loopback Vault understands: the kit's common ones, and `'sealed'`
 * (503 "Vault is sealed"). `'throttle'` is 429 "rate limit quota exceeded", `'error'` 500
 * "internal error", `'credentials'` 403 "permission denied".
 */
export const VAULT_FAULT_KINDS = Object.freeze([...COMMON_FAULT_KINDS, 'sealed'] as const);

/** One of {@link VAULT_FAULT_KINDS}. */
export type VaultFaultKind = (typeof VAULT_FAULT_KINDS)[number];

/** Options of {@link startVaultServer}. */
export interface VaultServerOptions extends LoopbackServerOptions {
  /** The root token, accepted without limit. */
  token?: string;
  /** Secrets to start with, in the first mount of the root namespace: `{ path: data }`. */
  secrets?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** The KV v2 mounts served. */
  mounts?: readonly string[];
}

/** Where a secret lives, for the handle's methods. */
export interface VaultServerLocationOptions {
  /** The KV mount (default: the first of `mounts`). */
  mount?: string;
  /** The namespace (default: the root namespace). */
  namespace?: string;
}

/** Options of {@link VaultServer.put}. */
export interface VaultServerPutOptions extends VaultServerLocationOptions {
  /** Check-and-set: the write succeeds only if this is the current version (0: no secret yet). */
  cas?: number;
}

/** One request as the loopback Vault saw it. Bodies, and so values, are never recorded. */
export interface VaultServerRequest extends LoopbackRequest {
  /**
   * `'read'`, `'write'`, `'patch'`, `'delete'` (data), `'list'`, `'metadata'`, `'delete-metadata'`,
   * `'delete-versions'`, `'undelete'`, `'destroy'`, `'lookup-self'`, `'health'`, or `''`.
   */
  readonly op: string;
  /** The `X-Vault-Token` header, if any. */
  readonly token: string | undefined;
  /** The `X-Vault-Namespace` header, if any. */
  readonly namespace: string | undefined;
}

/** A running loopback Vault: the kit's handle plus secrets and tokens. */
export interface VaultServer extends LoopbackServer<VaultFaultKind, VaultServerRequest> {
  /** The root token. */
  readonly token: string;
  /**
   * Writes a new version of the secret at `path` and returns its version number.
   * @throws Error when `options.cas` does not match the current version
   */
  put(path: string, data: Readonly<Record<string, unknown>>, options?: VaultServerPutOptions): number;
  /** Soft-deletes `versions` of the secret (default: the latest). */
  delete(path: string, versions?: readonly number[], options?: VaultServerLocationOptions): void;
  /** Restores soft-deleted `versions`. */
  undelete(path: string, versions: readonly number[], options?: VaultServerLocationOptions): void;
  /** Destroys the data of `versions` for good. */
  destroy(path: string, versions: readonly number[], options?: VaultServerLocationOptions): void;
  /** Accepts `token`, `options.uses` times (default: without limit). */
  addToken(token: string, options?: { uses?: number }): void;
  /** Stops accepting `token`: requests with it get 403 "permission denied". */
  revokeToken(token: string): void;
}

/**
 * Starts a loopback HTTP server on 127.0.0.1 that speaks Vault's KV v2 API (read, write with
 * `cas`, PATCH merge, delete, undelete, destroy, metadata, `?list=true`) and
 * `auth/token/lookup-self`, with Vault's response bodies, token checks (403 "permission
 * denied"), per-namespace secrets (`X-Vault-Namespace`), and the kit's fault injection, quota and
 * request log. For tests of code that reads Vault through node-vault or `VaultBackend`.
 *
 * @param options.token - the root token (default: `'root'`)
 * @param options.secrets - initial secrets in the first mount, root namespace (default: none)
 * @param options.mounts - the KV v2 mounts (default: `['secret']`)
 * @param options.latencyMs - milliseconds every response is delayed by (default: 0)
 * @param options.quota - a request-rate quota `{ rate, burst?, now? }` (default: none)
 *
 * @example
 * ```ts
 * const vault = await startVaultServer({ secrets: { db: { password: 'pw' } } });
 * const backend = new VaultBackend({ url: vault.endpoint, token: vault.token });
 * await backend.get('db:password');  // 'pw'
 * vault.faults.failNext('sealed');   // the next read is a 503 "Vault is sealed"
 * await vault.close();
 * ```
 */
export async function startVaultServer(options: VaultServerOptions = {}): Promise<VaultServer> {
  if ('latency' in options) {
    throw new TypeError('startVaultServer: options.latency (seconds) was replaced by options.latencyMs (milliseconds)');
  }
  const rootToken = options.token ?? DEFAULT_VAULT_SERVER_TOKEN;
  const mounts = new Set((options.mounts ?? [DEFAULT_VAULT_SERVER_MOUNT]).map(trimSlashes));
  if (mounts.size === 0 || [...mounts].some((m) => m === '')) {
    throw new TypeError('startVaultServer: options.mounts must list non-empty mount paths');
  }
  const defaultMount = [...mounts][0] as string;
  const store = new VaultStore(() => new Date());
  const tokens = new VaultTokens();
  tokens.add(rootToken);

  const locate = (path: string, location: VaultServerLocationOptions = {}): { namespace: string; mount: string; path: string } => {
    const mount = trimSlashes(location.mount ?? defaultMount);
    mounts.add(mount);
    return { namespace: trimSlashes(location.namespace ?? ''), mount, path: trimSlashes(path) };
  };
  for (const [path, data] of Object.entries(options.secrets ?? {})) store.write(locate(path), data);

  /** The path after `/v1/`, decoded, or `undefined` when it is not a `/v1/` path or not decodable. */
  const apiPath = (incoming: LoopbackIncoming): string | undefined => {
    try {
      const decoded = decodeURIComponent(incoming.url.pathname);
      return decoded.startsWith('/v1/') ? decoded.slice('/v1/'.length) : undefined;
    } catch {
      return undefined;
    }
  };
  // The longest mount that prefixes the path wins, as in Vault's router.
  const mountOf = (rest: string): string | undefined =>
    [...mounts].filter((m) => rest.startsWith(`${m}/`)).sort((a, b) => b.length - a.length)[0];

  const operationOf = (incoming: LoopbackIncoming): string => {
    const rest = apiPath(incoming);
    if (rest === undefined) return '';
    if (rest === 'sys/health') return 'health';
    if (rest === 'auth/token/lookup-self') return 'lookup-self';
    const mount = mountOf(rest);
    if (mount === undefined) return '';
    return kvOperation(incoming.method, rest.slice(mount.length + 1).split('/')[0] ?? '', incoming.url.searchParams.get('list'));
  };

  const route = (incoming: LoopbackIncoming, record: VaultServerRequest): KvResponse => {
    const rest = apiPath(incoming);
    if (rest === undefined) return /^\/v1\//.test(incoming.url.pathname) ? vaultErrors(400, 'invalid URL escape') : vaultErrors(404);
    if (rest === 'sys/health' && record.method === 'GET') return health();
    if (!tokens.use(record.token)) return vaultErrors(403, 'permission denied');
    const body = parseJson(incoming.body);
    if (!body.ok) return vaultErrors(400, 'failed to parse JSON input');
    if (rest === 'auth/token/lookup-self') {
      if (record.method !== 'GET' && record.method !== 'POST') return vaultErrors(405, 'unsupported operation');
      return lookupSelf(record.token ?? '', record.token === rootToken, tokens.usesLeft(record.token ?? ''));
    }
    if (record.method === 'PATCH' && !String(incoming.headers['content-type']).startsWith('application/merge-patch+json')) {
      return vaultErrors(415, `PATCH requires Content-Type of application/merge-patch+json, provided ${String(incoming.headers['content-type'] ?? '')}`);
    }
    const mount = mountOf(rest);
    if (mount === undefined) return vaultErrors(404, `no handler for route "${rest}". route entry not found.`);
    return handleKvRequest(store, {
      method: record.method,
      namespace: trimSlashes(record.namespace ?? ''),
      mount,
      rest: rest.slice(mount.length + 1),
      query: incoming.url.searchParams,
      body: body.value,
    });
  };

  const server = await startLoopbackServer<VaultFaultKind, VaultServerRequest>(
    {
      name: 'startVaultServer',
      kinds: VAULT_FAULT_KINDS,
      describe: (incoming) => ({
        op: operationOf(incoming),
        token: header(incoming, 'x-vault-token'),
        namespace: header(incoming, 'x-vault-namespace'),
      }),
      answer: (incoming, record) => toResponse(route(incoming, record)),
      answerFault: (fault) => toResponse(faultResponse(fault)),
      // Vault's rate-limit quota answer (http/util.go): 429, the request path, and Retry-After.
      answerThrottled: (record, retryAfterSeconds) => {
        const path = trimSlashes(safeDecode(record.path).replace(/^\/v1\//, ''));
        return toResponse(vaultErrors(429, `request path ${JSON.stringify(path)}: rate limit quota exceeded`), {
          'Retry-After': String(retryAfterSeconds),
        });
      },
      // Vault exempts sys/health from rate-limit quotas by default.
      quotaExempt: (record) => record.op === 'health',
    },
    {
      ...(options.latencyMs === undefined ? {} : { latencyMs: options.latencyMs }),
      ...(options.quota === undefined ? {} : { quota: options.quota }),
      ...(options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes }),
    },
  );

  return Object.assign(server, {
    token: rootToken,
    put(path: string, data: Readonly<Record<string, unknown>>, putOptions: VaultServerPutOptions = {}) {
      try {
        return store.write(locate(path, putOptions), data, putOptions.cas).version;
      } catch (error) {
        throw new Error(`startVaultServer: put ${path}: ${(error as Error).message}`);
      }
    },
    delete(path: string, versions?: readonly number[], location?: VaultServerLocationOptions) {
      store.delete(locate(path, location), versions);
    },
    undelete(path: string, versions: readonly number[], location?: VaultServerLocationOptions) {
      store.undelete(locate(path, location), versions);
    },
    destroy(path: string, versions: readonly number[], location?: VaultServerLocationOptions) {
      store.destroy(locate(path, location), versions);
    },
    addToken(token: string, tokenOptions: { uses?: number } = {}) {
      tokens.add(token, tokenOptions.uses);
    },
    revokeToken(token: string) {
      tokens.revoke(token);
    },
  });
}

function kvOperation(method: string, segment: string, list: string | null): string {
  const write = method === 'POST' || method === 'PUT';
  switch (segment) {
    case 'data':
      return method === 'GET' ? 'read' : write ? 'write' : method === 'PATCH' ? 'patch' : method === 'DELETE' ? 'delete' : '';
    case 'metadata':
      if (method === 'GET') return list === null ? 'metadata' : 'list';
      return method === 'DELETE' ? 'delete-metadata' : '';
    case 'delete':
      return write ? 'delete-versions' : '';
    case 'undelete':
    case 'destroy':
      return write ? segment : '';
    default:
      return '';
  }
}

function faultResponse(fault: ArmedFault<VaultFaultKind>): KvResponse {
  const answer = (status: number, message: string): KvResponse => vaultErrors(fault.status ?? status, fault.message ?? message);
  switch (fault.kind) {
    case 'throttle':
      return answer(429, 'rate limit quota exceeded');
    case 'sealed':
      return answer(503, 'Vault is sealed');
    case 'credentials':
      return answer(403, 'permission denied');
    default:
      return answer(500, 'internal error');
  }
}

function toResponse(response: KvResponse, headers: Record<string, string> = {}): LoopbackResponse {
  if (response.body === undefined) return { status: response.status, headers: { 'Cache-Control': 'no-store', ...headers } };
  return {
    status: response.status,
    headers: { 'Cache-Control': 'no-store', 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(response.body),
  };
}

function parseJson(body: Buffer): { ok: true; value: unknown } | { ok: false } {
  if (body.length === 0) return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(body.toString('utf8')) as unknown };
  } catch {
    return { ok: false };
  }
}

function health(): KvResponse {
  return {
    status: 200,
    body: {
      initialized: true,
      sealed: false,
      standby: false,
      performance_standby: false,
      replication_performance_mode: 'disabled',
      replication_dr_mode: 'disabled',
      server_time_utc: Math.floor(Date.now() / 1000),
      version: '1.15.0',
      cluster_name: 'vaultly-loopback',
      cluster_id: randomUUID(),
    },
  };
}

function header(incoming: LoopbackIncoming, name: string): string | undefined {
  const value = incoming.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}

function safeDecode(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}
