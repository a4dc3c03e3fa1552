/** The loopback Vault KV v2 server, re-exported by `vaultly/testing`. */
export { startVaultServer, VAULT_FAULT_KINDS } from './startVaultServer.js';
export type {
  VaultServer,
  VaultServerOptions,
  VaultServerPutOptions,
  VaultServerLocationOptions,
  VaultServerRequest,
  VaultFaultKind,
} from './startVaultServer.js';
export { DEFAULT_VAULT_SERVER_TOKEN, DEFAULT_VAULT_SERVER_MOUNT } from './constants.js';
