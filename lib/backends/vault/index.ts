/**
 * `vaultly/vault`: the HashiCorp Vault KV v2 backend, over node-vault.
 *
 * @example
 * ```ts
 * import { VaultBackend } from 'vaultly/vault';
 * const backend = new VaultBackend({ url: 'https://vault.internal:8200', token });
 * ```
 */
export { VaultBackend } from './VaultBackend.js';
export type { VaultBackendOptions } from './VaultBackend.js';
export type { VaultClient, VaultRequestOptions } from './VaultClient.js';
export type { VaultTokenFactory, VaultTokenFactoryContext } from './TokenRenewer.js';
export {
  DEFAULT_VAULT_DEFAULT_KEY,
  DEFAULT_VAULT_MOUNT_POINT,
  DEFAULT_VAULT_TIMEOUT,
  DEFAULT_VAULT_TOKEN_FACTORY_TIMEOUT,
} from './constants.js';
