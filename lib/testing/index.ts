export { MockBackend } from './MockBackend.js';
export type { MockBackendOptions } from './MockBackend.js';
export { ManualClock } from './ManualClock.js';
export { startLoopbackServer, Faults, TokenBucket, COMMON_FAULT_KINDS, LOOPBACK_HOST, DEFAULT_MAX_BODY_BYTES } from './kit/index.js';
export type {
  LoopbackServer,
  LoopbackServerOptions,
  LoopbackProtocol,
  LoopbackIncoming,
  LoopbackResponse,
  LoopbackRequest,
  FaultOptions,
  ArmedFault,
  CommonFaultKind,
  QuotaOptions,
} from './kit/index.js';
export { startSsmServer, SSM_FAULT_KINDS, SSM_OPERATIONS, SSM_PARAMETER_TYPES } from './ssm/index.js';
export type { SsmServer, SsmServerOptions, SsmSeed, SsmPutOptions, SsmRequestRecord, SsmFaultKind, SsmParameterType, SsmParameterShape, SsmOperation } from './ssm/index.js';
export { startVaultServer, VAULT_FAULT_KINDS, DEFAULT_VAULT_SERVER_TOKEN, DEFAULT_VAULT_SERVER_MOUNT } from './vault/index.js';
export type { VaultServer, VaultServerOptions, VaultServerPutOptions, VaultServerLocationOptions, VaultServerRequest, VaultFaultKind } from './vault/index.js';
export { startSecretsManagerServer, SecretsManagerStore, SecretsManagerApiError, runSecretsManagerOperation, SECRETS_MANAGER_OPERATIONS, SECRETS_MANAGER_STAGES } from './secrets-manager/index.js';
export type { SecretsManagerServer, SecretsManagerServerOptions, SecretsManagerSeed, SecretsManagerSecretInfo, SecretsManagerRequestRecord, SecretsManagerStoreOptions, SecretsManagerValue, StoredSecret, StoredSecretVersion, SecretsManagerOperation, SecretsManagerDispatchOptions } from './secrets-manager/index.js';
