import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import type { SecretsManagerClientConfig } from '@aws-sdk/client-secrets-manager';

import type { SecretsManagerServer } from 'vaultly/testing';
import { fakeCredentials } from '../ssm/ssmTestClient.js';

/** The client settings that point the SDK at the loopback server, with no retries. */
export function secretsManagerLoopbackConfig(server: SecretsManagerServer, config: SecretsManagerClientConfig = {}): SecretsManagerClientConfig {
  return { endpoint: server.endpoint, region: server.region, credentials: fakeCredentials(), maxAttempts: 1, ...config };
}

/** A bare SDK client talking to the loopback server. Call `destroy()` when done. */
export function secretsManagerTestClient(server: SecretsManagerServer, config: SecretsManagerClientConfig = {}): SecretsManagerClient {
  return new SecretsManagerClient(secretsManagerLoopbackConfig(server, config));
}
