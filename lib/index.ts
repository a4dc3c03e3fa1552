export {
  VaultlyError,
  SecretNotFoundError,
  AuthError,
  TransientError,
  ConfigError,
  MissingContextVariableError,
  SecretNotLoadedError,
} from './errors.js';
export type { VaultlyErrorOptions } from './errors.js';
export { Backend } from './backends/Backend.js';
export type { BackendGetOptions, BackendBatchOptions } from './backends/Backend.js';
export { silentLogger } from './logging/Logger.js';
export type { Logger, LogFields } from './logging/Logger.js';
