import { SSMClient } from '@aws-sdk/client-ssm';
import { AWSSSMBackend } from 'vaultly/aws-ssm';
import type { AWSSSMBackendOptions } from 'vaultly/aws-ssm';
import type { SSMClientConfig } from '@aws-sdk/client-ssm';

import type { SsmServer } from 'vaultly/testing';

/**
 * Fake credentials, so the SDK never goes looking for real ones (or for instance metadata). A fresh
 * object each time: the SDK writes a `$source` marker into the credentials it is given.
 */
export function fakeCredentials(): { accessKeyId: string; secretAccessKey: string } {
  return { accessKeyId: 'AKIDTEST', secretAccessKey: 'not-a-real-secret' };
}

/** The client settings that point the SDK at a loopback server, with no retries. */
export function loopbackConfig(server: SsmServer, config: SSMClientConfig = {}): SSMClientConfig {
  return { endpoint: server.endpoint, region: server.region, credentials: fakeCredentials(), maxAttempts: 1, ...config };
}

/** A bare SDK client talking to a loopback server. Call `destroy()` when done. */
export function ssmTestClient(server: SsmServer, config: SSMClientConfig = {}): SSMClient {
  return new SSMClient(loopbackConfig(server, config));
}

/** Resolves once `condition` holds, polling every few ms (fails after 5 s). */
export async function waitFor(condition: () => boolean): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('waitFor: condition never held');
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
}


/**
 * An `AWSSSMBackend` that builds its own client, pointed at a loopback server with fake
 * credentials. Call `destroy()` when done.
 */
export function loopbackSsmBackend(server: SsmServer, options: Omit<AWSSSMBackendOptions, 'region' | 'client'> = {}): AWSSSMBackend {
  const { clientConfig = {}, ...rest } = options;
  return new AWSSSMBackend({
    ...rest,
    region: server.region,
    clientConfig: { endpoint: server.endpoint, credentials: fakeCredentials(), ...clientConfig },
  });
}
