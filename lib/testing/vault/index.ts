/** The loopback Vault KV v2 server, re-exported by `vaultly/testing`. */
export { startVaultServer } from './startVaultServer.js';
export type {
  VaultServer,
  VaultServerOptions,
  VaultServerPutOptions,
  VaultServerLocationOptions,
  VaultServerFaultOptions,
  VaultServerRequest,
} from './startVaultServer.js';
export type { VaultServerFault } from './FaultQueue.js';
export { DEFAULT_VAULT_SERVER_TOKEN, DEFAULT_VAULT_SERVER_MOUNT } from './constants.js';
