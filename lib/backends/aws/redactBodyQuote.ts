/**
 * Whether `error` is the SDK's deserialization error: it has the raw `$response` but no `$fault`
 * (a service error has one), and its message can quote the response body, which holds secrets.
 */
export function isDeserializationError(error: unknown): error is Error {
  if (!(error instanceof Error)) return false;
  const { $response, $fault } = error as { $response?: unknown; $fault?: unknown };
  return $response !== undefined && $fault === undefined;
}

/**
 * A JSON parse error's message can quote the body; keep the error, drop the quote: its message,
 * the first line of its stack and its `$responseBodyText` are replaced in place.
 *
 * @param error - the SDK's deserialization error (see {@link isDeserializationError})
 * @param service - the service's name for the message (`'SSM'`)
 * @example
 * ```ts
 * if (isDeserializationError(error)) redactBodyQuote(error, 'SSM');
 * ```
 */
export function redactBodyQuote(error: Error, service: string): void {
  const message = `the ${service} response could not be parsed (message withheld: it may quote the body)`;
  const frames = (error.stack ?? '').split('\n').filter((line) => /^\s+at /.test(line));
  try {
    Object.defineProperty(error, 'message', { value: message, configurable: true, writable: true });
    Object.defineProperty(error, 'stack', {
      value: [`${error.name}: ${message}`, ...frames].join('\n'),
      configurable: true,
      writable: true,
    });
    if ('$responseBodyText' in error) Object.defineProperty(error, '$responseBodyText', { value: undefined });
  } catch {
    // A frozen error cannot be redacted; our own message never quotes it anyway.
  }
}
