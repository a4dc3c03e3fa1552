import { randomUUID } from 'node:crypto';

/** A response of the loopback Vault: a status and a JSON body (none for 204). */
export interface KvResponse {
  status: number;
  body?: unknown;
}

/**
 * The envelope Vault wraps every answer of a mount in, with the mount's type (`mount_type`).
 *
 * @param data - the `data` member
 * @param options.mountType - the type of the mount that answered (default: `'kv'`)
 * @param options.warnings - Vault's `warnings` (default: `null`)
 * @example
 * ```ts
 * vaultEnvelope({ keys: ['db'] }); // { request_id, lease_id: '', ..., data: { keys: ['db'] }, ..., mount_type: 'kv' }
 * ```
 */
export function vaultEnvelope(data: unknown, options: { mountType?: string; warnings?: string[] } = {}): Record<string, unknown> {
  return {
    request_id: randomUUID(),
    lease_id: '',
    renewable: false,
    lease_duration: 0,
    data,
    wrap_info: null,
    warnings: options.warnings ?? null,
    auth: null,
    mount_type: options.mountType ?? 'kv',
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

