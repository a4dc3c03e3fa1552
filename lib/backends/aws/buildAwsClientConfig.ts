import { DEFAULT_AWS_CONNECTION_TIMEOUT_MS, DEFAULT_AWS_MAX_ATTEMPTS, DEFAULT_AWS_REQUEST_TIMEOUT_MS } from './constants.js';

/** The fields of an SDK client configuration that {@link buildAwsClientConfig} fills in. */
export interface AwsClientConfigDefaults {
  region?: unknown;
  maxAttempts?: unknown;
  requestHandler?: unknown;
}

/**
 * The configuration of a client an AWS backend builds: `clientConfig`, with `maxAttempts: 1`
 * unless it says otherwise, `region` over its own, and a request handler with a 2 s connect and a
 * 5 s request timeout that really rejects (`throwOnRequestTimeout`). Handler options given as a
 * plain object are merged over those defaults; a handler instance is used as is.
 *
 * @param region - the backend's `options.region`, if any
 * @param clientConfig - the backend's `options.clientConfig` (default: `{}`)
 * @example
 * ```ts
 * new SSMClient(buildAwsClientConfig<SSMClientConfig>('eu-west-1', { endpoint }));
 * ```
 */
export function buildAwsClientConfig<C extends AwsClientConfigDefaults>(region: string | undefined, clientConfig: C = {} as C): C {
  const handler = clientConfig.requestHandler;
  const isInstance = typeof (handler as { handle?: unknown } | undefined)?.handle === 'function';
  return {
    ...clientConfig,
    maxAttempts: clientConfig.maxAttempts ?? DEFAULT_AWS_MAX_ATTEMPTS,
    ...(region === undefined ? {} : { region }),
    // Smithy only logs a warning when requestTimeout passes unless throwOnRequestTimeout is set.
    requestHandler:
      handler !== undefined && isInstance
        ? handler
        : {
            connectionTimeout: DEFAULT_AWS_CONNECTION_TIMEOUT_MS,
            requestTimeout: DEFAULT_AWS_REQUEST_TIMEOUT_MS,
            throwOnRequestTimeout: true,
            ...(handler as Record<string, unknown> | undefined),
          },
  };
}
