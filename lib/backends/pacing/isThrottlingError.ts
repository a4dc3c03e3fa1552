/** Error names that AWS services (and the SDK's own classifier) use for throttling. */
const THROTTLING_NAMES: ReadonlySet<string> = new Set([
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestThrottledException',
  'TooManyRequestsException',
  'ProvisionedThroughputExceededException',
  'TransactionInProgressException',
  'RequestLimitExceeded',
  'BandwidthLimitExceeded',
  'LimitExceededException',
  'RequestThrottled',
  'SlowDown',
  'PriorRequestNotComplete',
  'EC2ThrottledException',
]);

interface ErrorFields {
  name?: unknown;
  $metadata?: { httpStatusCode?: unknown };
  $retryable?: { throttling?: unknown };
  response?: { statusCode?: unknown; status?: unknown };
}

/**
 * Whether a client's error says "slow down": an AWS throttling error name, `$retryable.throttling`,
 * or HTTP 429. Reads the error as the client threw it (not a vaultly error wrapping it).
 *
 * @param error - what the client rejected with
 * @example
 * ```ts
 * if (isThrottlingError(sdkError)) limiter.onThrottle(ticket);
 * ```
 */
export function isThrottlingError(error: unknown): boolean {
  if (typeof error !== 'object' || error === null) return false;
  const e = error as ErrorFields;
  if (typeof e.name === 'string' && THROTTLING_NAMES.has(e.name)) return true;
  if (e.$retryable?.throttling === true) return true;
  const status = e.$metadata?.httpStatusCode ?? e.response?.statusCode ?? e.response?.status;
  return status === 429;
}
