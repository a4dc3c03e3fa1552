import { vaultEnvelope } from './vaultResponses.js';
import type { KvResponse } from './vaultResponses.js';

/**
 * Vault's answer to `GET auth/token/lookup-self` for an accepted token: the token's own
 * properties, from the token store (`mount_type: 'token'`). The loopback tokens never expire.
 *
 * @param token - the token that asked (Vault returns it as `id`)
 * @param root - whether it is the root token (policy `root`)
 * @param usesLeft - uses left after this request (`Infinity` or `undefined`: unlimited, Vault's 0)
 * @example
 * ```ts
 * lookupSelf('root', true, Infinity).body; // { ..., data: { id: 'root', policies: ['root'], ... }, mount_type: 'token' }
 * ```
 */
export function lookupSelf(token: string, root: boolean, usesLeft: number | undefined): KvResponse {
  const issued = new Date(0).toISOString();
  return {
    status: 200,
    body: vaultEnvelope(
      {
        accessor: `accessor-${Buffer.from(token).toString('hex').slice(0, 24)}`,
        creation_time: 0,
        creation_ttl: 0,
        display_name: root ? 'root' : 'token',
        entity_id: '',
        expire_time: null,
        explicit_max_ttl: 0,
        id: token,
        issue_time: issued,
        meta: null,
        num_uses: usesLeft === undefined || !Number.isFinite(usesLeft) ? 0 : usesLeft,
        orphan: true,
        path: root ? 'auth/token/root' : 'auth/token/create',
        policies: root ? ['root'] : ['default'],
        renewable: false,
        ttl: 0,
        type: 'service',
      },
      { mountType: 'token' },
    ),
  };
}
