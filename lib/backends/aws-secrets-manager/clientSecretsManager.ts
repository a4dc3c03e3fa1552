import type * as ClientSecretsManager from '@aws-sdk/client-secrets-manager';
import { requirePeer } from '../requirePeer.js';

/**
 * The parts of `@aws-sdk/client-secrets-manager` the backend uses at run time, loaded through
 * {@link requirePeer} so that a missing SDK says which package to install.
 */
const sdk = requirePeer<typeof ClientSecretsManager>('@aws-sdk/client-secrets-manager', 'vaultly/aws-secrets-manager');

export const { BatchGetSecretValueCommand, GetSecretValueCommand, SecretsManagerClient } = sdk;
export type SecretsManagerClient = ClientSecretsManager.SecretsManagerClient;
