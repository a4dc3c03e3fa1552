export { AWSSSMBackend } from './AWSSSMBackend.js';
export type { AWSSSMBackendOptions } from './AWSSSMBackend.js';
export { mapSsmError } from './mapSsmError.js';
export type { SsmErrorContext } from './mapSsmError.js';
export {
  DEFAULT_SSM_BATCH_CONCURRENCY,
  DEFAULT_SSM_CONNECTION_TIMEOUT_MS,
  DEFAULT_SSM_MAX_ATTEMPTS,
  DEFAULT_SSM_REQUEST_TIMEOUT_MS,
  DEFAULT_SSM_WITH_DECRYPTION,
  SSM_GET_PARAMETERS_CHUNK_SIZE,
} from './constants.js';
