export { AWSSecretsManagerBackend } from './AWSSecretsManagerBackend.js';
export type { AWSSecretsManagerBackendOptions } from './AWSSecretsManagerBackend.js';
export { mapSecretsManagerError } from './mapSecretsManagerError.js';
export type { SecretsManagerErrorContext } from './mapSecretsManagerError.js';
export {
  DEFAULT_SECRETS_MANAGER_BATCH_CONCURRENCY,
  DEFAULT_SECRETS_MANAGER_CONNECTION_TIMEOUT_MS,
  DEFAULT_SECRETS_MANAGER_MAX_ATTEMPTS,
  DEFAULT_SECRETS_MANAGER_REQUEST_TIMEOUT_MS,
  SECRETS_MANAGER_BATCH_CHUNK_SIZE,
} from './constants.js';
