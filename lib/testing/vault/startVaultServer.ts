import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { DEFAULT_VAULT_SERVER_MOUNT, DEFAULT_VAULT_SERVER_TOKEN, VAULT_SERVER_MAX_BODY } from './constants.js';
import { FaultQueue } from './FaultQueue.js';
import type { VaultServerFault } from './FaultQueue.js';
import { handleKvRequest } from './handleKvRequest.js';
import { vaultErrors } from './vaultResponses.js';
import type { KvResponse } from './vaultResponses.js';
import { VaultStore } from './VaultStore.js';
import { VaultTokens } from './VaultTokens.js';

/** Options of {@link startVaultServer}. */
export interface VaultServerOptions {
  /** The root token, accepted without limit. */
  token?: string;
  /** Secrets to start with, in the first mount of the root namespace: `{ path: data }`. */
  secrets?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /** The KV v2 mounts served. */
  mounts?: readonly string[];
  /** Seconds every response is delayed by. */
  latency?: number;
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

/** Options of {@link VaultServer.failNext}. */
export interface VaultServerFaultOptions {
  /** How many matching requests get the fault (default: 1; `Infinity` for all). */
  times?: number;
  /** Which requests get the fault (default: every request). */
  match?: (request: VaultServerRequest) => boolean;
}

/** One request as the loopback Vault saw it. Bodies, and so values, are never recorded. */
export interface VaultServerRequest {
  method: string;
  /** The URL path as sent, still percent-encoded, such as `/v1/secret/data/db`. */
  path: string;
  query: Readonly<Record<string, string>>;
  /** The `X-Vault-Token` header, if any. */
  token: string | undefined;
  /** The `X-Vault-Namespace` header, if any. */
  namespace: string | undefined;
}

/** A running loopback Vault. */
export interface VaultServer {
  /** `http://127.0.0.1:<port>`, for node-vault's `endpoint` or `VaultBackend`'s `url`. */
  readonly endpoint: string;
  /** The root token. */
  readonly token: string;
  /** Every request received so far, oldest first. */
  readonly requests: readonly VaultServerRequest[];
  /** Connections currently open. */
  readonly openConnections: number;
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
  /** Makes the next matching request(s) fail with `fault`. */
  failNext(fault: VaultServerFault, options?: VaultServerFaultOptions): void;
  /** Drops the faults still queued. */
  clearFaults(): void;
  /** Delays every later response by `seconds`. */
  setLatency(seconds: number): void;
  /** Forgets the request log. */
  clearRequests(): void;
  /** Stops the server, destroying open (and hanging) connections. */
  close(): Promise<void>;
}

/**
 * Starts a loopback HTTP server on 127.0.0.1 that speaks Vault's KV v2 API (read, write with
 * `cas`, delete, undelete, destroy, metadata, `?list=true`) with Vault's response bodies, token
 * checks (403 "permission denied"), per-namespace secrets (`X-Vault-Namespace`), fault injection
 * and a request log. For tests of code that reads Vault through node-vault or `VaultBackend`.
 *
 * @param options.token - the root token (default: `'root'`)
 * @param options.secrets - initial secrets in the first mount, root namespace (default: none)
 * @param options.mounts - the KV v2 mounts (default: `['secret']`)
 * @param options.latency - seconds to delay every response (default: 0)
 *
 * @example
 * ```ts
 * const vault = await startVaultServer({ secrets: { db: { password: 'pw' } } });
 * const backend = new VaultBackend({ url: vault.endpoint, token: vault.token });
 * await backend.get('db:password'); // 'pw'
 * vault.failNext('sealed');         // the next read is a 503 "Vault is sealed"
 * await vault.close();
 * ```
 */
export async function startVaultServer(options: VaultServerOptions = {}): Promise<VaultServer> {
  const rootToken = options.token ?? DEFAULT_VAULT_SERVER_TOKEN;
  const mounts = new Set((options.mounts ?? [DEFAULT_VAULT_SERVER_MOUNT]).map(trimSlashes));
  let latencyMs = toLatencyMs(options.latency ?? 0);
  if (mounts.size === 0 || [...mounts].some((m) => m === '')) {
    throw new TypeError('startVaultServer: options.mounts must list non-empty mount paths');
  }
  const defaultMount = [...mounts][0] as string;
  const store = new VaultStore(() => new Date());
  const tokens = new VaultTokens();
  tokens.add(rootToken);
  const faults = new FaultQueue<VaultServerRequest>();
  const requests: VaultServerRequest[] = [];
  const sockets = new Set<Socket>();
  const timers = new Set<NodeJS.Timeout>();

  const locate = (path: string, location: VaultServerLocationOptions = {}): { namespace: string; mount: string; path: string } => {
    const mount = trimSlashes(location.mount ?? defaultMount);
    mounts.add(mount);
    return { namespace: trimSlashes(location.namespace ?? ''), mount, path: trimSlashes(path) };
  };
  for (const [path, data] of Object.entries(options.secrets ?? {})) store.write(locate(path), data);

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, vaultErrors(500, 'internal error'));
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const entry: VaultServerRequest = {
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      token: header(req, 'x-vault-token'),
      namespace: header(req, 'x-vault-namespace'),
    };
    requests.push(entry);
    const body = await readBody(req);
    if (latencyMs > 0) await delay(latencyMs, timers);
    const fault = faults.take(entry);
    if (fault === 'hang') return;
    if (fault === 'reset') {
      req.socket.resetAndDestroy();
      return;
    }
    if (fault !== undefined) {
      send(res, faultResponse(fault));
      return;
    }
    send(res, route(entry, url, body));
  }

  function route(entry: VaultServerRequest, url: URL, body: BodyResult): KvResponse {
    let rest: string;
    try {
      rest = decodeURIComponent(url.pathname);
    } catch {
      return vaultErrors(400, 'invalid URL escape');
    }
    if (!rest.startsWith('/v1/')) return vaultErrors(404);
    rest = rest.slice('/v1/'.length);
    if (rest === 'sys/health' && entry.method === 'GET') return health();
    if (!tokens.use(entry.token)) return vaultErrors(403, 'permission denied');
    if (!body.ok) return vaultErrors(400, 'failed to parse JSON input');
    // The longest mount that prefixes the path wins, as in Vault's router.
    const mount = [...mounts].filter((m) => rest.startsWith(`${m}/`)).sort((a, b) => b.length - a.length)[0];
    if (mount === undefined) return vaultErrors(404, `no handler for route "${rest}". route entry not found.`);
    return handleKvRequest(store, {
      method: entry.method,
      namespace: trimSlashes(entry.namespace ?? ''),
      mount,
      rest: rest.slice(mount.length + 1),
      query: url.searchParams,
      body: body.value,
    });
  }

  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  let closing: Promise<void> | undefined;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    token: rootToken,
    get requests() {
      return [...requests];
    },
    get openConnections() {
      return sockets.size;
    },
    put(path, data, putOptions = {}) {
      try {
        return store.write(locate(path, putOptions), data, putOptions.cas).version;
      } catch (error) {
        throw new Error(`startVaultServer: put ${path}: ${(error as Error).message}`);
      }
    },
    delete(path, versions, location) {
      store.delete(locate(path, location), versions);
    },
    undelete(path, versions, location) {
      store.undelete(locate(path, location), versions);
    },
    destroy(path, versions, location) {
      store.destroy(locate(path, location), versions);
    },
    addToken(token, tokenOptions = {}) {
      tokens.add(token, tokenOptions.uses);
    },
    revokeToken(token) {
      tokens.revoke(token);
    },
    failNext(fault, faultOptions = {}) {
      faults.add(fault, faultOptions.times ?? 1, faultOptions.match);
    },
    clearFaults() {
      faults.clear();
    },
    setLatency(seconds) {
      latencyMs = toLatencyMs(seconds);
    },
    clearRequests() {
      requests.length = 0;
    },
    close() {
      closing ??= (async () => {
        for (const timer of timers) clearTimeout(timer);
        timers.clear();
        faults.clear();
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        // Resolving only once every socket has emitted 'close' leaves no handle behind.
        const destroyed = [...sockets].map(
          (socket) =>
            new Promise<void>((resolve) => {
              socket.once('close', () => resolve());
              socket.destroy();
            }),
        );
        await Promise.all([stopped, ...destroyed]);
      })();
      return closing;
    },
  };
}

type BodyResult = { ok: true; value: unknown } | { ok: false };

async function readBody(req: IncomingMessage): Promise<BodyResult> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > VAULT_SERVER_MAX_BODY) return { ok: false };
    chunks.push(chunk);
  }
  if (size === 0) return { ok: true, value: undefined };
  try {
    return { ok: true, value: JSON.parse(Buffer.concat(chunks).toString('utf8')) as unknown };
  } catch {
    return { ok: false };
  }
}

function send(res: ServerResponse, response: KvResponse): void {
  if (response.body === undefined) {
    res.writeHead(response.status, { 'Cache-Control': 'no-store' }).end();
    return;
  }
  const text = JSON.stringify(response.body);
  res
    .writeHead(response.status, {
      'Cache-Control': 'no-store',
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(text),
    })
    .end(text);
}

function faultResponse(fault: Exclude<VaultServerFault, 'hang' | 'reset'>): KvResponse {
  switch (fault) {
    case 'internal-error':
      return vaultErrors(500, 'internal error');
    case 'throttle':
      return vaultErrors(429, 'rate limit quota exceeded');
    case 'sealed':
      return vaultErrors(503, 'Vault is sealed');
    default:
      return { status: fault.status, body: { errors: [...(fault.errors ?? [])] } };
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

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function trimSlashes(path: string): string {
  return path.replace(/^\/+|\/+$/g, '');
}

function toLatencyMs(seconds: number): number {
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds < 0) {
    throw new TypeError('startVaultServer: latency must be a non-negative number of seconds');
  }
  return seconds * 1000;
}

function delay(ms: number, timers: Set<NodeJS.Timeout>): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      timers.delete(timer);
      resolve();
    }, ms);
    timer.unref();
    timers.add(timer);
  });
}
