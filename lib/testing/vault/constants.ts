/** Defaults of the loopback Vault server. */

/** The root token the loopback server accepts when no `token` option is given. */
export const DEFAULT_VAULT_SERVER_TOKEN = 'root';

/** The KV v2 mount the loopback server serves when no `mounts` option is given. */
export const DEFAULT_VAULT_SERVER_MOUNT = 'secret';

