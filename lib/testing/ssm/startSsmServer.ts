import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import {
  DEFAULT_SSM_ACCOUNT_ID,
  DEFAULT_SSM_REGION,
  SSM_CONTENT_TYPE,
  SSM_MAX_BODY_BYTES,
  SSM_SERVER_HOST,
  SSM_TARGET_PREFIX,
} from './constants.js';
import { runSsmOperation } from './runSsmOperation.js';
import { SsmApiError } from './SsmApiError.js';
import { SsmFaults } from './SsmFaults.js';
import type { SsmFault, SsmFaultKind } from './SsmFaults.js';
import { SsmParameterStore } from './SsmParameterStore.js';
import type { SsmParameterType } from './SsmParameterStore.js';

/** How to seed one parameter: its value (a list becomes a `StringList`) and optionally more. */
export interface SsmSeed {
  value: string | readonly string[];
  /** Default: `StringList` for a list value, otherwise the previous type or `String`. */
  type?: SsmParameterType;
  /** Labels attached to the version this seed creates. */
  labels?: readonly string[];
  description?: string;
}

/** Options of {@link startSsmServer}. */
export interface SsmServerOptions {
  /** Region named in ARNs (default: `'us-east-1'`). */
  region?: string;
  /** Account id named in ARNs (default: `'123456789012'`). */
  accountId?: string;
  /** Parameters to create before the server starts, by name. */
  parameters?: Readonly<Record<string, string | SsmSeed>>;
  /** Clock for `LastModifiedDate` (default: `() => new Date()`). */
  now?: () => Date;
}

/** Options of {@link SsmServer.putParameter}. */
export type SsmPutOptions = Omit<SsmSeed, 'value'>;

/** One request as the server saw it. Never holds a parameter value. */
export interface SsmRequestRecord {
  /** The operation from `X-Amz-Target` (`'GetParameters'`), or `''` when the header was missing. */
  readonly op: string;
  /** When the request arrived. */
  readonly at: Date;
  /** The parameter names the request was about (`Name`, `Names` or `Path`). */
  readonly names: readonly string[];
  /** The parsed JSON body, without `Value`; `undefined` when it was not a JSON object. */
  readonly input: Readonly<Record<string, unknown>> | undefined;
  /** The fault injected into this request, if any. */
  readonly fault: SsmFaultKind | undefined;
}

/** A running loopback SSM server. */
export interface SsmServer {
  /** `http://127.0.0.1:PORT`, for the SDK's `endpoint` option. */
  readonly endpoint: string;
  /** The region ARNs name. */
  readonly region: string;
  /** Fault injection: latency, throttling, 5xx, rejected credentials, hangs, resets, bad bodies. */
  readonly faults: SsmFaults;
  /** Every request so far, oldest first (a copy). */
  readonly requests: readonly SsmRequestRecord[];
  /** How many requests there were, of one operation or of all. */
  requestCount(op?: string): number;
  /** Forgets the request log. */
  clearRequests(): void;
  /**
   * Creates a parameter or a new version of one (always overwriting), and returns the version.
   * @param options.type - default: `StringList` for a list, else the previous type or `String`
   * @param options.labels - labels attached to the new version
   */
  putParameter(name: string, value: string | readonly string[], options?: SsmPutOptions): number;
  /** Attaches labels to a version (default: the latest) and returns that version's number. */
  labelParameterVersion(name: string, labels: readonly string[], version?: number): number;
  /** Deletes a parameter and all its versions. */
  deleteParameter(name: string): void;
  /** Stops the server, destroying every open connection (hanging ones too). Idempotent. */
  close(): Promise<void>;
}

/**
 * Starts an HTTP server on 127.0.0.1 (a free port) that speaks AWS SSM Parameter Store's JSON 1.1
 * protocol well enough for `@aws-sdk/client-ssm` to talk to it: `GetParameter`, `GetParameters`,
 * `GetParametersByPath`, `PutParameter`, `LabelParameterVersion` and `DeleteParameter`, with
 * `name:version` and `name:label` selectors, the three parameter types, SSM's error bodies and
 * status codes, and fault injection. Requests must carry an `Authorization` header (any SigV4
 * signature is accepted).
 *
 * @param options.region - region named in ARNs (default: `'us-east-1'`)
 * @param options.accountId - account id named in ARNs (default: `'123456789012'`)
 * @param options.parameters - parameters to seed, by name
 * @param options.now - clock for `LastModifiedDate` (default: the system clock)
 * @example
 * ```ts
 * const ssm = await startSsmServer({ parameters: { '/app/key': { value: 's3cr3t', type: 'SecureString' } } });
 * const client = new SSMClient({
 *   endpoint: ssm.endpoint, region: ssm.region,
 *   credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
 * });
 * ssm.faults.throttleNext();
 * // ... exercise the code under test, then:
 * expect(ssm.requestCount('GetParameters')).toBe(1);
 * client.destroy();
 * await ssm.close();
 * ```
 */
export async function startSsmServer(options: SsmServerOptions = {}): Promise<SsmServer> {
  const region = options.region ?? DEFAULT_SSM_REGION;
  const accountId = options.accountId ?? DEFAULT_SSM_ACCOUNT_ID;
  if (typeof region !== 'string' || region.length === 0) throw new TypeError('startSsmServer: options.region must be a non-empty string');
  if (typeof accountId !== 'string' || !/^\d{12}$/.test(accountId)) {
    throw new TypeError('startSsmServer: options.accountId must be 12 digits');
  }
  if (options.now !== undefined && typeof options.now !== 'function') throw new TypeError('startSsmServer: options.now must be a function');
  const store = new SsmParameterStore({
    region,
    accountId,
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const faults = new SsmFaults();
  const log: SsmRequestRecord[] = [];
  const sockets = new Set<Socket>();
  const delays = new Set<{ timer: NodeJS.Timeout; done: () => void }>();
  let closing: Promise<void> | undefined;

  const putParameter = (name: string, value: string | readonly string[], put: SsmPutOptions = {}): number => {
    const list = typeof value !== 'string';
    const type = put.type ?? (list ? 'StringList' : store.has(name) ? undefined : 'String');
    const version = unwrap(() =>
      store.put({
        name,
        value: list ? value.join(',') : value,
        overwrite: true,
        ...(type === undefined ? {} : { type }),
        ...(put.description === undefined ? {} : { description: put.description }),
      }),
    );
    if (put.labels !== undefined && put.labels.length > 0) labelParameterVersion(name, put.labels, version);
    return version;
  };

  const labelParameterVersion = (name: string, labels: readonly string[], version?: number): number => {
    const result = unwrap(() => store.label(name, labels, version));
    if (result.invalidLabels.length > 0) {
      throw new TypeError(`labelParameterVersion: SSM would refuse the labels ${result.invalidLabels.join(', ')}`);
    }
    return result.parameterVersion;
  };

  for (const [name, seed] of Object.entries(options.parameters ?? {})) {
    if (typeof seed === 'string') putParameter(name, seed);
    else putParameter(name, seed.value, seed);
  }

  const delay = (ms: number): Promise<void> =>
    new Promise((resolve) => {
      const entry = {
        timer: setTimeout(() => entry.done(), ms).unref(),
        done: () => {
          clearTimeout(entry.timer);
          delays.delete(entry);
          resolve();
        },
      };
      delays.add(entry);
    });

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req);
    if (body === undefined) {
      req.socket.destroy();
      return;
    }
    const target = req.headers['x-amz-target'];
    const op = typeof target === 'string' && target.startsWith(SSM_TARGET_PREFIX) ? target.slice(SSM_TARGET_PREFIX.length) : '';
    const input = parseObject(body);
    const fault = faults.take();
    log.push(
      Object.freeze({
        op,
        at: new Date(),
        names: Object.freeze(namesOf(input)),
        input: input === undefined ? undefined : Object.freeze(withoutValue(input)),
        fault: fault?.kind,
      }),
    );
    if (faults.latencyMs > 0) await delay(faults.latencyMs);
    if (closing !== undefined || fault?.kind === 'hang') return;
    if (fault?.kind === 'reset') {
      req.socket.resetAndDestroy();
      return;
    }
    const { status, payload } = answer(fault, req, op, input);
    if (fault?.kind !== 'malformed') send(res, status, payload);
    else if (fault.body !== undefined) send(res, 200, fault.body);
    else send(res, status, payload.slice(0, Math.ceil(payload.length / 2)));
  };

  const answer = (
    fault: SsmFault | undefined,
    req: IncomingMessage,
    op: string,
    input: Record<string, unknown> | undefined,
  ): { status: number; payload: string } => {
    try {
      if (fault?.type !== undefined) throw new SsmApiError(fault.type, fault.status ?? 400, fault.message ?? fault.type);
      if (req.method !== 'POST') throw new SsmApiError('UnknownOperationException', 400, 'Only POST is supported');
      if (req.headers.authorization === undefined) {
        throw new SsmApiError('MissingAuthenticationTokenException', 400, 'Missing Authentication Token');
      }
      if (op === '') throw new SsmApiError('UnknownOperationException', 400, 'Missing or unknown X-Amz-Target');
      if (input === undefined) throw new SsmApiError('SerializationException', 400, 'Request body is not a JSON object');
      return { status: 200, payload: JSON.stringify(runSsmOperation(store, op, input)) };
    } catch (error) {
      const apiError =
        error instanceof SsmApiError ? error : new SsmApiError('InternalServerError', 500, 'An error occurred on the server side.');
      return { status: apiError.statusCode, payload: apiError.toBody() };
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => req.socket.destroy());
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, SSM_SERVER_HOST, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://${SSM_SERVER_HOST}:${port}`,
    region,
    faults,
    get requests() {
      return [...log];
    },
    requestCount: (op) => (op === undefined ? log.length : log.filter((r) => r.op === op).length),
    clearRequests: () => {
      log.length = 0;
    },
    putParameter,
    labelParameterVersion,
    deleteParameter: (name) => unwrap(() => store.delete(name)),
    close: () => {
      closing ??= new Promise<void>((resolve) => {
        for (const entry of [...delays]) entry.done();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

function send(res: ServerResponse, status: number, payload: string): void {
  if (res.destroyed) return;
  res.writeHead(status, {
    'Content-Type': SSM_CONTENT_TYPE,
    'Content-Length': Buffer.byteLength(payload),
    'x-amzn-RequestId': randomUUID(),
    Date: new Date().toUTCString(),
  });
  res.end(payload);
}

/** The body, or `undefined` when it is too large or the connection failed. */
function readBody(req: IncomingMessage): Promise<string | undefined> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > SSM_MAX_BODY_BYTES) resolve(undefined);
      else chunks.push(chunk);
    });
    req.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.once('error', () => resolve(undefined));
  });
}

function parseObject(body: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null && !Array.isArray(parsed) ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function namesOf(input: Record<string, unknown> | undefined): string[] {
  if (input === undefined) return [];
  const { Name, Names, Path } = input;
  if (typeof Name === 'string') return [Name];
  if (Array.isArray(Names)) return Names.filter((n): n is string => typeof n === 'string');
  if (typeof Path === 'string') return [Path];
  return [];
}

function withoutValue(input: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...input };
  delete copy['Value'];
  return copy;
}

/** Turns the store's protocol error into a plain one for direct (non-HTTP) callers. */
function unwrap<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof SsmApiError) throw new TypeError(`${error.type}: ${error.message}`, { cause: error });
    throw error;
  }
}
