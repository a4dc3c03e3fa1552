import type nodeVaultType from 'node-vault';
import { requirePeer } from '../requirePeer.js';

/**
 * node-vault's client factory, loaded through {@link requirePeer} so that a missing package says
 * which one to install.
 */
export const nodeVault: typeof nodeVaultType = requirePeer<typeof nodeVaultType>('node-vault', 'vaultly/vault');
