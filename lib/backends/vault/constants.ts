/** Defaults of the Vault backend. Durations are seconds, as everywhere in vaultly. */

/** Where the KV v2 secrets engine is mounted when `mountPoint` is not given. */
export const DEFAULT_VAULT_MOUNT_POINT = 'secret';

/** The field of a secret's data read when a path names no `:key`. */
export const DEFAULT_VAULT_DEFAULT_KEY = 'value';

/** How long one HTTP read may take before it fails with a `TransientError`, in seconds. */
export const DEFAULT_VAULT_TIMEOUT = 5;

/**
 * How long one `tokenFactory` call may take before it counts as failed, in seconds. Without a
 * bound, one hung login would hold every later renewal for good.
 */
export const DEFAULT_VAULT_TOKEN_FACTORY_TIMEOUT = 10;

/** The header Vault reads the client token from. */
export const VAULT_TOKEN_HEADER = 'X-Vault-Token';

/** The header Vault Enterprise reads the namespace from. */
export const VAULT_NAMESPACE_HEADER = 'X-Vault-Namespace';
