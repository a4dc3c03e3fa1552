import { createServer } from 'node:http';
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import { DEFAULT_MAX_BODY_BYTES, LOOPBACK_HOST } from './constants.js';
import { checkLatency, Faults } from './Faults.js';
import type { ArmedFault } from './Faults.js';
import type { LoopbackRequest, LoopbackRequestBase } from './LoopbackRequest.js';
import type { QuotaOptions } from './TokenBucket.js';

/** An HTTP request as a protocol sees it: the body already read. */
export interface LoopbackIncoming {
  readonly method: string;
  readonly url: URL;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
}

/** An answer of a protocol: a status, headers, and a body (none for e.g. 204). */
export interface LoopbackResponse {
  status: number;
  headers?: Readonly<Record<string, string | number>>;
  body?: string;
}

/**
 * What a loopback server supplies to the kit: the service's wire protocol. The kit does the rest
 * (listening, connections, body limits, request log, faults, latency, quota, close).
 */
export interface LoopbackProtocol<K extends string, R extends LoopbackRequest> {
  /** The server's name, for error messages (`'startSsmServer'`). */
  readonly name: string;
  /** The fault kinds this server understands (the kit carries out `hang`, `reset`, `malformed`). */
  readonly kinds: readonly K[];
  /** The server's own request-log fields (`op` and more), read before any fault is applied. */
  describe(incoming: LoopbackIncoming): Omit<R, keyof LoopbackRequestBase>;
  /** The service's answer to a request without a fault. */
  answer(incoming: LoopbackIncoming, record: R): LoopbackResponse;
  /** The service's answer for a fault kind other than `hang`, `reset` and `malformed`. */
  answerFault(fault: ArmedFault<K>, record: R): LoopbackResponse;
  /** The service's answer to a request over the rate quota. */
  answerThrottled(record: R, retryAfterSeconds: number): LoopbackResponse;
  /** Requests the service never counts against a quota (default: none). */
  quotaExempt?(record: R): boolean;
}

/** Options every loopback server accepts. */
export interface LoopbackServerOptions {
  /** Milliseconds every response is delayed by (default: 0). */
  latencyMs?: number;
  /** A request-rate quota from the start, as {@link Faults.setQuota} (default: none). */
  quota?: QuotaOptions;
  /** Request bodies above this many bytes drop the connection (default: 1 MiB). */
  maxBodyBytes?: number;
}

/** The handle every loopback server returns; each server adds its own methods (put a secret...). */
export interface LoopbackServer<K extends string, R extends LoopbackRequest> {
  /** `http://127.0.0.1:PORT`, for the client's endpoint option. */
  readonly endpoint: string;
  /** Fault injection: `failNext(kind, { times, match })`, `setLatency(ms)`, `setQuota({ rate, burst })`, `clear()`. */
  readonly faults: Faults<K, R>;
  /** Every request so far, oldest first (a copy). */
  readonly requests: readonly R[];
  /** Connections currently open. */
  readonly openConnections: number;
  /** How many requests there were: all, those of one `op`, or those `filter` accepts. */
  requestCount(filter?: string | ((request: R) => boolean)): number;
  /** Forgets the request log. */
  clearRequests(): void;
  /** Stops the server: drops every fault, ends waiting latencies, destroys open (and hung) connections. Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts a loopback HTTP server on 127.0.0.1 (a free port) that answers with `protocol`. Every
 * loopback server of `vaultly/testing` is built on it, so they share one fault API, one request
 * log shape and one way to close.
 *
 * @param protocol - the service's wire protocol
 * @param options.latencyMs - milliseconds every response is delayed by (default: 0)
 * @param options.quota - a request-rate quota `{ rate, burst?, now? }` (default: none)
 * @param options.maxBodyBytes - the largest request body read (default: 1 MiB)
 * @example
 * ```ts
 * const server = await startLoopbackServer(myProtocol, { latencyMs: 5 });
 * server.faults.failNext('reset');
 * await server.close();
 * ```
 */
export async function startLoopbackServer<K extends string, R extends LoopbackRequest>(
  protocol: LoopbackProtocol<K, R>,
  options: LoopbackServerOptions = {},
): Promise<LoopbackServer<K, R>> {
  const owner = protocol.name;
  const faults = new Faults<K, R>(protocol.kinds, owner);
  if (options.latencyMs !== undefined) faults.setLatency(checkLatency(options.latencyMs, `${owner}: options.latencyMs`));
  if (options.quota !== undefined) faults.setQuota(options.quota);
  const maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1) throw new TypeError(`${owner}: options.maxBodyBytes must be a positive integer`);

  const log: R[] = [];
  const sockets = new Set<Socket>();
  const delays = new Set<() => void>();
  let closing: Promise<void> | undefined;

  const delay = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        delays.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms).unref();
      delays.add(done);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req, maxBodyBytes);
    if (body === undefined) {
      req.socket.destroy();
      return;
    }
    const url = new URL(req.url ?? '/', `http://${LOOPBACK_HOST}`);
    const incoming: LoopbackIncoming = { method: req.method ?? 'GET', url, headers: req.headers, body };
    const base = {
      at: new Date(),
      method: incoming.method,
      path: url.pathname,
      query: Object.freeze(Object.fromEntries(url.searchParams)),
    };
    const own = protocol.describe(incoming);
    const draft = { ...base, ...own, fault: undefined, throttled: false } as unknown as R;
    const taken = faults.take(draft, protocol.quotaExempt?.(draft) ?? false);
    const record = Object.freeze({
      ...draft,
      fault: taken.throttled ? undefined : taken.fault?.kind,
      throttled: taken.throttled,
    }) as R;
    log.push(record);
    if (faults.latencyMs > 0) await delay(faults.latencyMs);
    if (closing !== undefined) return;
    if (taken.throttled) {
      send(res, protocol.answerThrottled(record, taken.retryAfterSeconds));
      return;
    }
    const { fault } = taken;
    if (fault?.kind === 'hang') return;
    if (fault?.kind === 'reset') {
      req.socket.resetAndDestroy();
      return;
    }
    if (fault?.kind === 'malformed') {
      const real = protocol.answer(incoming, record);
      const text = real.body ?? '';
      send(res, fault.body === undefined ? { ...real, body: text.slice(0, Math.ceil(text.length / 2)) } : { ...real, status: 200, body: fault.body });
      return;
    }
    send(res, fault === undefined ? protocol.answer(incoming, record) : protocol.answerFault(fault, record));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) send(res, { status: 500, body: '' });
      else res.destroy();
    });
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, LOOPBACK_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://${LOOPBACK_HOST}:${port}`,
    faults,
    get requests() {
      return [...log];
    },
    get openConnections() {
      return sockets.size;
    },
    requestCount(filter) {
      if (filter === undefined) return log.length;
      const accept = typeof filter === 'string' ? (r: R) => r.op === filter : filter;
      return log.filter(accept).length;
    },
    clearRequests() {
      log.length = 0;
    },
    close() {
      closing ??= (async () => {
        faults.clear();
        for (const done of [...delays]) done();
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

function send(res: ServerResponse, response: LoopbackResponse): void {
  if (res.destroyed || res.headersSent) return;
  const headers: Record<string, string | number> = { ...response.headers };
  if (response.body === undefined) {
    res.writeHead(response.status, headers).end();
    return;
  }
  headers['Content-Length'] = Buffer.byteLength(response.body);
  res.writeHead(response.status, headers).end(response.body);
}

/** The body, or `undefined` when it is larger than `limit` or the connection failed. */
function readBody(req: IncomingMessage, limit: number): Promise<Buffer | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) resolve(undefined);
      else chunks.push(chunk);
    });
    req.once('end', () => resolve(Buffer.concat(chunks)));
    req.once('error', () => resolve(undefined));
  });
}
