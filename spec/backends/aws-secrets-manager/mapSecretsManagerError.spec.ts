import { inspect } from 'node:util';

import { mapSecretsManagerError } from 'vaultly/aws-secrets-manager';
import { AuthError, ConfigError, SecretNotFoundError, TransientError } from 'vaultly';
import { canary } from '../../helpers/canary.js';

/** An error shaped like the SDK's ServiceException: a name, a fault side, the HTTP status. */
function serviceError(name: string, status: number, message = 'from the service'): Error {
  return Object.assign(new Error(message), { name, $fault: status >= 500 ? 'server' : 'client', $metadata: { httpStatusCode: status } });
}

describe(mapSecretsManagerError.name, () => {
  const context = { operation: 'GetSecretValue', paths: ['prod/db#password'] };

  it.each([
    ['ResourceNotFoundException', 400, SecretNotFoundError],
    ['InvalidRequestException', 400, SecretNotFoundError],
    ['AccessDeniedException', 400, AuthError],
    ['DecryptionFailure', 400, AuthError],
    ['UnrecognizedClientException', 400, AuthError],
    ['SomethingForbidden', 403, AuthError],
    ['InvalidParameterException', 400, ConfigError],
    ['ValidationException', 400, ConfigError],
    ['ThrottlingException', 400, TransientError],
    ['InternalServiceError', 500, TransientError],
    ['ServiceUnavailable', 503, TransientError],
    ['SomethingNew', 400, TransientError],
  ] as const)('maps %s (HTTP %i) to %p, keeping the error as cause and never its message', (name, status, type) => {
    const secret = canary('sm-map');
    const cause = serviceError(name, status, `quoting ${secret}`);
    const error = mapSecretsManagerError(cause, context);
    expect(error).toBeInstanceOf(type);
    expect(error.cause).toBe(cause);
    expect((error as SecretNotFoundError).path).toBe('prod/db#password');
    expect(error.message).toContain(`Secrets Manager GetSecretValue: ${name}, HTTP ${status}`);
    expect(error.message).not.toContain(secret);
    expect((error as SecretNotFoundError).code).toBe(name);
  });

  it('sets code to the socket code, else the HTTP status, when the SDK error has no name of its own', () => {
    const reset = Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' });
    const byCode = mapSecretsManagerError(reset, context) as TransientError;
    expect(byCode).toBeInstanceOf(TransientError);
    expect(byCode.code).toBe('ECONNRESET');
    expect(byCode.message).toBe('Reading prod/db#password failed (Secrets Manager GetSecretValue: Error ECONNRESET)');
    const byStatus = mapSecretsManagerError(Object.assign(new Error('?'), { name: '', $metadata: { httpStatusCode: 502 } }), context);
    expect((byStatus as TransientError).code).toBe('502');
    expect(mapSecretsManagerError('boom', context)).not.toHaveProperty('code');
  });

  it.each([
    [Object.assign(new Error('Region is missing'), { name: 'Error' }), 'RegionConfigError', 'options.region'],
    [Object.assign(new Error('Could not load credentials from any providers'), { name: 'CredentialsProviderError' }), 'CredentialsProviderError', 'clientConfig.credentials'],
  ])('maps an SDK configuration problem (%s) to a ConfigError saying what to configure, not quoting the SDK', (cause, code, option) => {
    const error = mapSecretsManagerError(cause, context) as ConfigError;
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.code).toBe(code);
    expect(error.path).toBe('prod/db#password');
    expect(error.cause).toBe(cause);
    expect(error.message).toContain(option);
    expect(error.message).not.toContain(cause.message);
  });

  it('names every path of a batch and sets no single path', () => {
    const error = mapSecretsManagerError(serviceError('ResourceNotFoundException', 400), { operation: 'BatchGetSecretValue', paths: ['a', 'b#k'] });
    expect(error.message).toBe('Secret not found: 2 paths (a, b#k) (Secrets Manager BatchGetSecretValue: ResourceNotFoundException, HTTP 400)');
    expect((error as SecretNotFoundError).paths).toEqual(['a', 'b#k']);
    expect((error as SecretNotFoundError).path).toBeUndefined();
  });

  it('returns the reason of an aborted signal whatever the SDK threw', () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    controller.abort(reason);
    expect(mapSecretsManagerError(serviceError('ThrottlingException', 400), { ...context, signal: controller.signal })).toBe(reason);
  });

  it('passes vaultly errors through unchanged', () => {
    const own = new ConfigError('mine');
    expect(mapSecretsManagerError(own, context)).toBe(own);
  });

  it('maps a thrown non-error to a TransientError', () => {
    expect(mapSecretsManagerError('boom', context)).toBeInstanceOf(TransientError);
  });

  it('redacts a deserialization error in place: its message and stack can quote the body', () => {
    const secret = canary('sm-body');
    const parseError = Object.assign(new SyntaxError(`Unexpected end of JSON input: {"SecretString":"${secret}`), {
      $response: { statusCode: 200 },
      $responseBodyText: `{"SecretString":"${secret}`,
    });
    const error = mapSecretsManagerError(parseError, context);
    expect(error).toBeInstanceOf(TransientError);
    expect(error.cause).toBe(parseError);
    expect(parseError.message).toMatch(/message withheld/);
    expect(inspect(error, { depth: 8 })).not.toContain(secret);
    expect(String(parseError.stack)).not.toContain(secret);
    expect(parseError.$responseBodyText).toBeUndefined();
  });
});
