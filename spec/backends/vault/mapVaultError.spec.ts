import { randomUUID } from 'node:crypto';
import { inspect } from 'node:util';
import { AuthError, ConfigError, SecretNotFoundError, TransientError } from 'vaultly';
import { mapVaultError } from '../../../lib/backends/vault/mapVaultError.js';

/** An error shaped like node-vault's ApiResponseError: errors[0] as message, plus the response. */
function apiError(statusCode: number, body: unknown): Error {
  const errors = (body as { errors?: string[] } | null)?.errors;
  return Object.assign(new Error(errors?.[0] ?? `Status ${statusCode}`), { response: { statusCode, body } });
}

describe(mapVaultError.name, () => {
  const canary = `CANARY-${randomUUID()}`;

  it.each([
    [404, SecretNotFoundError],
    [401, AuthError],
    [403, AuthError],
    [400, TransientError],
    [405, TransientError],
    [412, TransientError],
    [429, TransientError],
    [500, TransientError],
    [502, TransientError],
    [503, TransientError],
  ] as const)('maps HTTP %i to %p, keeping the error as cause and never quoting the body', (status, type) => {
    const cause = apiError(status, { errors: [canary] });

    const error = mapVaultError(cause, { path: '/db' });

    expect(error).toBeInstanceOf(type);
    expect(error.cause).toBe(cause);
    expect(error.path).toBe('/db');
    expect(error.message).toContain('/db');
    expect(error.message).toContain(String(status));
    expect(error.message).not.toContain(canary);
  });

  it('says a 503 is a sealed Vault only when Vault says so', () => {
    expect(mapVaultError(apiError(503, { errors: ['Vault is sealed'] }), { path: 'db' }).message).toBe(
      'Vault failed reading db (HTTP 503, Vault is sealed)',
    );
    expect(mapVaultError(apiError(503, { errors: [] }), { path: 'db' }).message).toBe('Vault failed reading db (HTTP 503)');
  });

  it.each([
    ['ECONNABORTED', 'Vault read of db timed out (ECONNABORTED)'],
    ['ETIMEDOUT', 'Vault read of db timed out (ETIMEDOUT)'],
    ['ECONNRESET', 'Vault read of db failed without a response (ECONNRESET)'],
    ['ENOTFOUND', 'Vault read of db failed without a response (ENOTFOUND)'],
  ])('maps the socket error %s to a TransientError', (code, message) => {
    const error = mapVaultError(Object.assign(new Error(`boom ${canary}`), { code }), { path: 'db' });

    expect(error).toBeInstanceOf(TransientError);
    expect(error.message).toBe(message);
  });

  it('maps an error without status or code to a TransientError', () => {
    expect(mapVaultError(new Error(canary), { path: 'db' })).toBeInstanceOf(TransientError);
    expect(mapVaultError('weird', { path: 'db' }).message).toBe('Vault read of db failed without a response (no error code)');
  });

  it('returns a vaultly error unchanged', () => {
    const original = new ConfigError('bad');

    expect(mapVaultError(original, { path: 'db' })).toBe(original);
  });

  it('masks the token in an axios-style cause and hides its raw request', () => {
    const token = `hvs.${randomUUID()}`;
    const cause = Object.assign(new Error('timeout of 50ms exceeded'), {
      code: 'ECONNABORTED',
      config: { headers: { 'x-vault-token': token, Accept: 'application/json' } },
      request: { _header: `GET /v1/secret/data/db HTTP/1.1\r\nX-Vault-Token: ${token}\r\n` },
    });

    const error = mapVaultError(cause, { path: 'db' });

    expect(error.cause).toBe(cause);
    expect(cause.config.headers['x-vault-token']).toBe('***');
    expect(cause.config.headers.Accept).toBe('application/json');
    expect(inspect(error, { depth: 10 })).not.toContain(token);
    expect(JSON.stringify(cause)).not.toContain(token);
  });

  it('drops the response body from the cause and sets code to the HTTP status', () => {
    const cause = apiError(500, { errors: [canary], data: { data: { value: canary } } });

    const error = mapVaultError(cause, { path: 'db' });

    expect(error.code).toBe('500');
    expect(error.cause).toBe(cause);
    expect((cause as { response?: unknown }).response).toEqual({ statusCode: 500 });
    expect(cause.message).toBe('Vault answered HTTP 500 (response body withheld)');
    expect(inspect(error, { depth: 20, showHidden: true })).not.toContain(canary);
  });

  it('drops an axios-style response.data as well', () => {
    const cause = Object.assign(new Error('Request failed'), { response: { status: 502, data: { value: canary } } });

    const error = mapVaultError(cause, { path: 'db' });

    expect(error.code).toBe('502');
    expect(JSON.stringify(error.cause)).not.toContain(canary);
  });

  it('replaces a frozen cause that holds a body with a plain error naming the status', () => {
    const cause = Object.freeze(apiError(404, { errors: [canary] }));

    const error = mapVaultError(cause, { path: 'db' });

    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect(error.cause).not.toBe(cause);
    expect((error.cause as Error).message).toBe('Vault answered HTTP 404 (response body withheld)');
    expect(inspect(error, { depth: 20, showHidden: true })).not.toContain(canary);
  });

  it('sets code to the socket error code when there is no response', () => {
    expect(mapVaultError(Object.assign(new Error('x'), { code: 'ECONNRESET' }), { path: 'db' }).code).toBe('ECONNRESET');
    expect(mapVaultError(new Error('x'), { path: 'db' }).code).toBeUndefined();
  });
});
