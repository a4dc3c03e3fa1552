import { randomUUID } from 'node:crypto';

import { COMMON_FAULT_KINDS, startLoopbackServer } from '../kit/index.js';
import type { ArmedFault, CommonFaultKind, LoopbackIncoming, LoopbackRequest, LoopbackResponse, LoopbackServer, LoopbackServerOptions } from '../kit/index.js';
import { DEFAULT_SSM_ACCOUNT_ID, DEFAULT_SSM_REGION, SSM_CONTENT_TYPE, SSM_TARGET_PREFIX } from './constants.js';
import { runSsmOperation } from './runSsmOperation.js';
import { SsmApiError } from './SsmApiError.js';
import { SsmParameterStore } from './SsmParameterStore.js';
import type { SsmParameterType } from './SsmParameterStore.js';
import { parseJsonObject } from '../kit/parseJsonObject.js';

/** The fault kinds the loopback SSM server understands (the kit's common ones). */
export const SSM_FAULT_KINDS = COMMON_FAULT_KINDS;

/** One of {@link SSM_FAULT_KINDS}. */
export type SsmFaultKind = CommonFaultKind;

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
export interface SsmServerOptions extends LoopbackServerOptions {
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
export interface SsmRequestRecord extends LoopbackRequest {
  /** The operation from `X-Amz-Target` (`'GetParameters'`), or `''` when the header was missing. */
  readonly op: string;
  /** The parameter names the request was about (`Name`, `Names` or `Path`). */
  readonly names: readonly string[];
  /** The parsed JSON body, without `Value`; `undefined` when it was not a JSON object. */
  readonly input: Readonly<Record<string, unknown>> | undefined;
}

/** A running loopback SSM server: the kit's handle plus parameter seeding. */
export interface SsmServer extends LoopbackServer<SsmFaultKind, SsmRequestRecord> {
  /** The region ARNs name. */
  readonly region: string;
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
}

/**
 * Starts an HTTP server on 127.0.0.1 (a free port) that speaks AWS SSM Parameter Store's JSON 1.1
 * protocol well enough for `@aws-sdk/client-ssm` to talk to it: `GetParameter`, `GetParameters`,
 * `GetParametersByPath` (with `ParameterFilters`), `PutParameter`, `LabelParameterVersion` and
 * `DeleteParameter`, with names, full ARNs, `name:version` and `name:label` selectors, the three
 * parameter types, SSM's error bodies and status codes, and the kit's fault injection and quota.
 * Requests must carry an `Authorization` header (any SigV4 signature is accepted).
 *
 * @param options.region - region named in ARNs (default: `'us-east-1'`)
 * @param options.accountId - account id named in ARNs (default: `'123456789012'`)
 * @param options.parameters - parameters to seed, by name
 * @param options.now - clock for `LastModifiedDate` (default: the system clock)
 * @param options.latencyMs - milliseconds every response is delayed by (default: 0)
 * @param options.quota - a request-rate quota `{ rate, burst?, now? }` (default: none)
 * @example
 * ```ts
 * const ssm = await startSsmServer({ parameters: { '/app/key': { value: 's3cr3t', type: 'SecureString' } } });
 * const client = new SSMClient({
 *   endpoint: ssm.endpoint, region: ssm.region,
 *   credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
 * });
 * ssm.faults.failNext('throttle');
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

  const server = await startLoopbackServer<SsmFaultKind, SsmRequestRecord>(
    {
      name: 'startSsmServer',
      kinds: SSM_FAULT_KINDS,
      describe: (incoming) => {
        const input = parseJsonObject(incoming.body);
        return {
          op: operationOf(incoming),
          names: Object.freeze(namesOf(input)),
          input: input === undefined ? undefined : Object.freeze(withoutValue(input)),
        };
      },
      answer: (incoming) => answer(store, incoming),
      answerFault: (fault) => errorResponse(faultError(fault)),
      answerThrottled: () => errorResponse(throttlingError()),
    },
    kitOptions(options),
  );

  return Object.assign(server, {
    region,
    putParameter,
    labelParameterVersion,
    deleteParameter: (name: string) => unwrap(() => store.delete(name)),
  });
}

function kitOptions(options: SsmServerOptions): LoopbackServerOptions {
  return {
    ...(options.latencyMs === undefined ? {} : { latencyMs: options.latencyMs }),
    ...(options.quota === undefined ? {} : { quota: options.quota }),
    ...(options.maxBodyBytes === undefined ? {} : { maxBodyBytes: options.maxBodyBytes }),
  };
}

function answer(store: SsmParameterStore, incoming: LoopbackIncoming): LoopbackResponse {
  try {
    if (incoming.method !== 'POST') throw new SsmApiError('UnknownOperationException', 400, 'Only POST is supported');
    if (incoming.headers.authorization === undefined) {
      throw new SsmApiError('MissingAuthenticationTokenException', 400, 'Missing Authentication Token');
    }
    const op = operationOf(incoming);
    if (op === '') throw new SsmApiError('UnknownOperationException', 400, 'Missing or unknown X-Amz-Target');
    const input = parseJsonObject(incoming.body);
    if (input === undefined) throw new SsmApiError('SerializationException', 400, 'Request body is not a JSON object');
    return response(200, JSON.stringify(runSsmOperation(store, op, input)));
  } catch (error) {
    return errorResponse(error instanceof SsmApiError ? error : new SsmApiError('InternalServerError', 500, 'An error occurred on the server side.'));
  }
}

/** SSM's answer when a caller goes over the request rate. */
function throttlingError(): SsmApiError {
  return new SsmApiError('ThrottlingException', 400, 'Rate exceeded');
}

function faultError(fault: ArmedFault<SsmFaultKind>): SsmApiError {
  const { code, status, message } = fault;
  switch (fault.kind) {
    case 'throttle':
      return new SsmApiError(code ?? 'ThrottlingException', status ?? 400, message ?? 'Rate exceeded');
    case 'credentials': {
      const type = code ?? 'UnrecognizedClientException';
      const text = type === 'UnrecognizedClientException' ? 'The security token included in the request is invalid.' : `Request rejected: ${type}`;
      // SSM's JSON endpoint sends HTTP 400 for rejected credentials.
      return new SsmApiError(type, status ?? 400, message ?? text);
    }
    default:
      return new SsmApiError(code ?? 'InternalServerError', status ?? 500, message ?? 'An error occurred on the server side.');
  }
}

function errorResponse(error: SsmApiError): LoopbackResponse {
  // The SDK reads the error code from x-amzn-ErrorType first, then from the body's __type.
  return response(error.statusCode, error.toBody(), { 'x-amzn-ErrorType': error.type });
}

function response(status: number, body: string, headers: Record<string, string> = {}): LoopbackResponse {
  return {
    status,
    headers: { 'Content-Type': SSM_CONTENT_TYPE, 'x-amzn-RequestId': randomUUID(), Date: new Date().toUTCString(), ...headers },
    body,
  };
}

function operationOf(incoming: LoopbackIncoming): string {
  const target = incoming.headers['x-amz-target'];
  return typeof target === 'string' && target.startsWith(SSM_TARGET_PREFIX) ? target.slice(SSM_TARGET_PREFIX.length) : '';
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
