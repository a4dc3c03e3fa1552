export { startSecretsManagerServer } from './startSecretsManagerServer.js';
export type { SecretsManagerServer, SecretsManagerServerOptions, SecretsManagerSeed, SecretsManagerSecretInfo } from './startSecretsManagerServer.js';
export type { SecretsManagerRequestRecord } from './secretsManagerProtocol.js';
export { SecretsManagerStore } from './SecretsManagerStore.js';
export type { SecretsManagerStoreOptions, SecretsManagerValue, StoredSecret, StoredSecretVersion } from './SecretsManagerStore.js';
export { SecretsManagerApiError } from './SecretsManagerApiError.js';
export { runSecretsManagerOperation, SECRETS_MANAGER_OPERATIONS } from './runSecretsManagerOperation.js';
export type { SecretsManagerOperation, SecretsManagerDispatchOptions } from './runSecretsManagerOperation.js';
export { SECRETS_MANAGER_STAGES } from './constants.js';
