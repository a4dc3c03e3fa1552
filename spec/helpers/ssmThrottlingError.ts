/** An SDK-shaped throttling error, as `@aws-sdk/client-ssm` rejects with, for stubbed clients. */
export function ssmThrottlingError(headers: Record<string, string> = {}): Error {
  return Object.assign(new Error('Rate exceeded'), {
    name: 'ThrottlingException',
    $fault: 'client',
    $metadata: { httpStatusCode: 400 },
    $response: { statusCode: 400, headers },
  });
}
