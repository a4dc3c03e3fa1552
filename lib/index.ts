export { SecretModel } from './model/SecretModel.js';
export { Secret } from './model/Secret.js';
export { Nested } from './model/Nested.js';
export { ValidateMode } from './model/metadata.js';
export type { SecretModelOptions, SecretOptions } from './model/metadata.js';
export type { Transform } from './model/cast.js';

export { getSecret } from './api/getSecret.js';
export type { ReadOptions } from './api/getSecret.js';
export { prefetch } from './api/prefetch.js';
export { refresh } from './api/refresh.js';
export { refreshAll } from './api/refreshAll.js';
export { invalidate } from './api/invalidate.js';
export { onChange } from './api/onChange.js';
export type { OnChangeOptions } from './api/onChange.js';
export type { ChangeEvent, ChangeListener } from './model/ChangeEvent.js';
export { withSecret } from './api/withSecret.js';
export type { WithSecretOptions } from './api/withSecret.js';
export { dispose } from './api/dispose.js';
export { bindSecrets } from './api/bindSecrets.js';
export type { BindSecretsOptions } from './api/bindSecrets.js';

export { vaultlyModule } from './container/vaultlyModule.js';
export type { VaultlyModuleOptions } from './container/vaultlyModule.js';
export { VAULTLY } from './container/tokens.js';

export { SecretCache } from './cache/SecretCache.js';
export type { SecretCacheOptions, PartitionOptions } from './cache/SecretCache.js';
export { systemClock } from './cache/Clock.js';
export type { Clock, TimerHandle } from './cache/Clock.js';

export { Backend } from './backends/Backend.js';
export type { BackendGetOptions, BackendBatchOptions } from './backends/Backend.js';
export { EnvBackend } from './backends/EnvBackend.js';
export type { EnvBackendOptions } from './backends/EnvBackend.js';
export { FileBackend } from './backends/FileBackend.js';
export type { FileBackendOptions, FileBackendFs } from './backends/FileBackend.js';
export { RetryingBackend } from './backends/RetryingBackend.js';
export type { RetryOptions } from './backends/RetryingBackend.js';
export { PartialBatchError } from './backends/PartialBatchError.js';
export type { OwedPaths, PartialBatchErrorOptions } from './backends/PartialBatchError.js';
export { AdaptiveRateLimiter } from './backends/pacing/AdaptiveRateLimiter.js';
export type { AdaptiveRateLimiterOptions } from './backends/pacing/AdaptiveRateLimiter.js';
export { MockBackend } from './testing/MockBackend.js';
export type { MockBackendOptions } from './testing/MockBackend.js';

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
export { DiagnosticsChannel } from './diagnostics/DiagnosticsChannel.js';
export type { FetchTraceContext, StaleMessage, ChangeMessage } from './diagnostics/DiagnosticsChannel.js';
export { silentLogger } from './logging/Logger.js';
export type { Logger, LogFields } from './logging/Logger.js';
