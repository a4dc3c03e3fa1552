import { randomUUID } from 'node:crypto';

import { SECRETS_MANAGER_CONTENT_TYPE, SECRETS_MANAGER_TARGET_PREFIX } from './constants.js';
import { COMMON_FAULT_KINDS } from '../kit/index.js';
import type { ArmedFault, CommonFaultKind, LoopbackProtocol, LoopbackRequest, LoopbackResponse } from '../kit/index.js';
import { runSecretsManagerOperation } from './runSecretsManagerOperation.js';
import type { SecretsManagerDispatchOptions } from './runSecretsManagerOperation.js';
import { SecretsManagerApiError } from './SecretsManagerApiError.js';
import type { SecretsManagerStore } from './SecretsManagerStore.js';
import { parseJsonObject } from '../kit/parseJsonObject.js';

/** One request as the Secrets Manager server saw it. Never holds a secret value. */
export interface SecretsManagerRequestRecord extends LoopbackRequest {
  /** The operation from `X-Amz-Target` (`'BatchGetSecretValue'`), or `''` when it was missing. */
  readonly op: string;
  /** The secret ids the request was about (`SecretId`, `SecretIdList` or `Name`). */
  readonly secretIds: readonly string[];
  /** The parsed JSON body without `SecretString`, `SecretBinary` and `RotationToken`; `undefined` when not a JSON object. */
  readonly input: Readonly<Record<string, unknown>> | undefined;
}

/** Fields of a request body that carry a secret value, and so never reach the request log. */
const VALUE_FIELDS: readonly string[] = ['SecretString', 'SecretBinary', 'RotationToken'];

/**
 * The Secrets Manager awsJson1_1 protocol for the loopback-server kit: `X-Amz-Target:
 * secretsmanager.<Operation>`, JSON bodies, `{ __type, Message }` error bodies, and the
 * service's answers to throttling, server errors and rejected credentials.
 */
export function secretsManagerProtocol(
  store: SecretsManagerStore,
  options: SecretsManagerDispatchOptions = {},
): LoopbackProtocol<CommonFaultKind, SecretsManagerRequestRecord> {
  return {
    name: 'startSecretsManagerServer',
    kinds: COMMON_FAULT_KINDS,
    describe(incoming) {
      const target = incoming.headers['x-amz-target'];
      const op = typeof target === 'string' && target.startsWith(SECRETS_MANAGER_TARGET_PREFIX) ? target.slice(SECRETS_MANAGER_TARGET_PREFIX.length) : '';
      const input = parseJsonObject(incoming.body);
      return { op, secretIds: Object.freeze(secretIdsOf(input)), input: input === undefined ? undefined : Object.freeze(withoutValues(input)) };
    },
    answer(incoming, record) {
      try {
        if (incoming.method !== 'POST') throw new SecretsManagerApiError('UnknownOperationException', 400, 'Only POST is supported');
        if (incoming.headers.authorization === undefined) {
          throw new SecretsManagerApiError('MissingAuthenticationTokenException', 400, 'Missing Authentication Token');
        }
        if (record.op === '') throw new SecretsManagerApiError('UnknownOperationException', 400, 'Missing or unknown X-Amz-Target');
        const input = parseJsonObject(incoming.body);
        if (input === undefined) throw new SecretsManagerApiError('SerializationException', 400, 'Request body is not a JSON object');
        return reply(200, JSON.stringify(runSecretsManagerOperation(store, record.op, input, options)));
      } catch (error) {
        const apiError =
          error instanceof SecretsManagerApiError ? error : new SecretsManagerApiError('InternalServiceError', 500, 'An error occurred on the server side.');
        return errorReply(apiError);
      }
    },
    answerFault(fault) {
      const [code, status, message] = faultDefaults(fault);
      return errorReply(new SecretsManagerApiError(fault.code ?? code, fault.status ?? status, fault.message ?? message));
    },
    answerThrottled(_record, retryAfterSeconds) {
      const response = errorReply(new SecretsManagerApiError('ThrottlingException', 400, 'Rate exceeded'));
      return { ...response, headers: { ...response.headers, 'Retry-After': retryAfterSeconds } };
    },
  };
}

function faultDefaults(fault: ArmedFault<CommonFaultKind>): [code: string, status: number, message: string] {
  switch (fault.kind) {
    case 'throttle':
      return ['ThrottlingException', 400, 'Rate exceeded'];
    case 'credentials':
      return ['UnrecognizedClientException', 400, 'The security token included in the request is invalid.'];
    default:
      return ['InternalServiceError', 500, 'An error occurred on the server side.'];
  }
}

/** The SDK reads the error code from `x-amzn-ErrorType` first, then from the body's `__type`; send both, as AWS does. */
function errorReply(error: SecretsManagerApiError): LoopbackResponse {
  const response = reply(error.statusCode, error.toBody());
  return { ...response, headers: { ...response.headers, 'x-amzn-ErrorType': error.type } };
}

function reply(status: number, body: string): LoopbackResponse {
  return {
    status,
    headers: { 'Content-Type': SECRETS_MANAGER_CONTENT_TYPE, 'x-amzn-RequestId': randomUUID(), Date: new Date().toUTCString() },
    body,
  };
}

function secretIdsOf(input: Record<string, unknown> | undefined): string[] {
  if (input === undefined) return [];
  const { SecretId, SecretIdList, Name } = input;
  if (typeof SecretId === 'string') return [SecretId];
  if (Array.isArray(SecretIdList)) return SecretIdList.filter((id): id is string => typeof id === 'string');
  if (typeof Name === 'string') return [Name];
  return [];
}

function withoutValues(input: Record<string, unknown>): Record<string, unknown> {
  const copy = { ...input };
  for (const field of VALUE_FIELDS) delete copy[field];
  return copy;
}
