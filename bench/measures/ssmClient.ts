import { SSMClient } from '@aws-sdk/client-ssm';
import type { SSMClientConfig } from '@aws-sdk/client-ssm';


/** The region both libraries are pointed at. */
export const BENCH_REGION = 'us-east-1';

/**
 * Client configuration for the loopback SSM server: explicit fake credentials, one attempt per
 * call. The socket-acquisition warning is pushed out of the way: queueing thousands of requests
 * behind the SDK's 50 sockets is the very scenario being measured, not a misconfiguration.
 */
export function loopbackClientConfig(endpoint: string): SSMClientConfig {
  return {
    endpoint,
    region: BENCH_REGION,
    // Fake credentials (the loopback server accepts any signature), a fresh object per client:
    // the SDK writes a `$source` field into the credentials object, and a frozen one breaks it.
    credentials: { accessKeyId: 'test', secretAccessKey: 'test' },
    maxAttempts: 1,
    requestHandler: { socketAcquisitionWarningTimeout: 600_000 },
  };
}

/** An SSMClient for the loopback SSM server (see {@link loopbackClientConfig}). */
export function loopbackClient(endpoint: string): SSMClient {
  return new SSMClient(loopbackClientConfig(endpoint));
}

/**
 * An SSMClient for the loopback SSM server with the SDK's default retries (standard mode, 3
 * attempts): how a Powertools user has it, since Powertools leaves retries to the client.
 */
export function sdkDefaultRetryClient(endpoint: string): SSMClient {
  const { maxAttempts: _oneAttempt, ...config } = loopbackClientConfig(endpoint);
  return new SSMClient(config);
}
