import { randomUUID } from 'node:crypto';

/** A response of the loopback Vault: a status and a JSON body (none for 204). */
export interface KvResponse {
  status: number;
  body?: unknown;
}

/**
 * The envelope Vault wraps every successful response body in.
 *
 * @example
 * ```ts
 * vaultEnvelope({ keys: ['db'] }); // { request_id, lease_id: '', ..., data: { keys: ['db'] }, ... }
 * ```
 */
export function vaultEnvelope(data: unknown): Record<string, unknown> {
  return {
    request_id: randomUUID(),
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data,
    wrap_info: null,
    warnings: null,
    auth: null,
  };
}

/**
 * Vault's error response: `status` with `{"errors": [...]}`.
 *
 * @example
 * ```ts
 * vaultErrors(403, 'permission denied');
 * ```
 */
export function vaultErrors(status: number, ...errors: string[]): KvResponse {
  return { status, body: { errors } };
}

