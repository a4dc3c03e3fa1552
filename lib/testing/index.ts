export { MockBackend } from './MockBackend.js';
export type { MockBackendOptions } from './MockBackend.js';
export { ManualClock } from './ManualClock.js';
export { startSsmServer, SsmFaults, SSM_FAULT_KINDS, SSM_OPERATIONS, SSM_PARAMETER_TYPES } from './ssm/index.js';
export type { SsmServer, SsmServerOptions, SsmSeed, SsmPutOptions, SsmRequestRecord, SsmFault, SsmFaultKind, SsmFailOptions, SsmParameterType, SsmParameterShape, SsmOperation } from './ssm/index.js';
export { startVaultServer, DEFAULT_VAULT_SERVER_TOKEN, DEFAULT_VAULT_SERVER_MOUNT } from './vault/index.js';
export type { VaultServer, VaultServerOptions, VaultServerPutOptions, VaultServerLocationOptions, VaultServerFaultOptions, VaultServerRequest, VaultServerFault } from './vault/index.js';
