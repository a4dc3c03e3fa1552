/**
 * The SDK's credential chain found nothing usable (`CredentialsProviderError: Could not load
 * credentials from any providers`, an expired SSO session, a broken profile): retrying the same
 * configuration cannot help.
 */
const CREDENTIALS_CONFIG: ReadonlySet<string> = new Set(['CredentialsProviderError', 'TokenProviderError', 'ProviderError']);

/**
 * The SDK throws a plain `Error` when no region is configured (`Region is missing`) or the region
 * cannot be a host name (`Region not accepted: ...`); its message is the only signal there is.
 * Should the SDK reword it, the error falls back to a `TransientError`.
 */
const REGION_CONFIG = /^Region (?:is missing|not accepted)/;

/** A configuration problem of the AWS SDK: what to tell the user, and the error's `code`. */
export interface AwsConfigProblem {
  /** Says what to configure; never quotes the SDK's message. */
  readonly message: string;
  /** `'RegionConfigError'`, or the credential provider error's name. */
  readonly code: string;
}

/**
 * A missing region or unloadable credentials, which no retry can fix, or `undefined` for any
 * other failure.
 *
 * @param error - what `client.send` rejected with
 * @param service - the service's name for the message (`'SSM'`)
 * @example
 * ```ts
 * const problem = configProblem(error, 'SSM');
 * if (problem !== undefined) return new ConfigError(`Cannot read ${path}: ${problem.message}`, { code: problem.code });
 * ```
 */
export function configProblem(error: unknown, service: string): AwsConfigProblem | undefined {
  // Duck-typed: the SDK may build the error in another realm (jest's VM modules do).
  const { name, message } = (typeof error === 'object' && error !== null ? error : {}) as { name?: unknown; message?: unknown };
  if (typeof name !== 'string') return undefined;
  if (CREDENTIALS_CONFIG.has(name)) {
    return {
      code: name,
      message:
        `the AWS SDK could not load credentials for ${service} (${name}): configure them (environment, ` +
        'shared config profile, instance or container role) or pass clientConfig.credentials',
    };
  }
  if (name === 'Error' && typeof message === 'string' && REGION_CONFIG.test(message)) {
    return {
      code: 'RegionConfigError',
      message: `the AWS SDK has no valid region for ${service}: pass options.region (or clientConfig.region) or set AWS_REGION`,
    };
  }
  return undefined;
}
