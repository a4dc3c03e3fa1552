export { VaultlyModule } from './VaultlyModule.js';
export type { ModelClass, VaultlyForRootOptions, VaultlyModelEntry, VaultlyModelProvider } from './VaultlyForRootOptions.js';
export { DEFAULT_NEST_GLOBAL } from './constants.js';
export { VAULTLY } from '../container/tokens.js';
