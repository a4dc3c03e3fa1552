import {
  AuthError,
  ConfigError,
  MissingContextVariableError,
  SecretNotFoundError,
  SecretNotLoadedError,
  TransientError,
  VaultlyError,
} from 'vaultly';

describe('Errors', () => {
  it('sets name, path and cause', () => {
    const cause = new Error('boom');
    const error = new TransientError('read failed', { path: '/a', cause });
    expect(error.name).toBe('TransientError');
    expect(error.path).toBe('/a');
    expect(error.cause).toBe(cause);
    expect(error).toBeInstanceOf(VaultlyError);
  });

  it('carries a machine-readable code only when one is given', () => {
    expect(new TransientError('throttled', { path: '/a', code: 'ThrottlingException' }).code).toBe('ThrottlingException');
    expect(JSON.parse(JSON.stringify(new AuthError('denied', { code: '403' })))).toMatchObject({ code: '403' });
    expect(Object.hasOwn(new TransientError('x'), 'code')).toBe(false);
  });

  it('is() follows the hierarchy', () => {
    const error = new MissingContextVariableError('x', { variable: 'stage' });
    expect(ConfigError.is(error)).toBe(true);
    expect(VaultlyError.is(error)).toBe(true);
    expect(MissingContextVariableError.is(new ConfigError('x'))).toBe(false);
    expect(AuthError.is(error)).toBe(false);
    expect(VaultlyError.is(new Error('x'))).toBe(false);
    expect(VaultlyError.is(null)).toBe(false);
  });

  it.each([VaultlyError, SecretNotFoundError, AuthError, TransientError, ConfigError, MissingContextVariableError, SecretNotLoadedError])(
    '%p constructs from a message alone',
    (ErrorClass) => {
      const error = new ErrorClass('something failed');
      expect(error.message).toBe('something failed');
      expect(error.name).toBe(ErrorClass.kind);
      expect(error.path).toBeUndefined();
      expect(ErrorClass.is(error)).toBe(true);
    },
  );

  it('MissingContextVariableError without options has an empty variable', () => {
    expect(new MissingContextVariableError('no stage').variable).toBe('');
  });

  it('is() recognises an error built by another copy of the package', () => {
    // Another copy has other classes but the same Symbol.for marker.
    const foreign = Object.assign(new Error('x'), {
      [Symbol.for('vaultly.error')]: ['SecretNotFoundError', 'VaultlyError'],
    });
    expect(foreign instanceof SecretNotFoundError).toBe(false);
    expect(SecretNotFoundError.is(foreign)).toBe(true);
    expect(TransientError.is(foreign)).toBe(false);
  });

  it('SecretNotFoundError lists every path', () => {
    const error = new SecretNotFoundError('missing', { paths: ['/a', '/b'] });
    expect(error.paths).toEqual(['/a', '/b']);
    expect(new SecretNotFoundError('missing', { path: '/c' }).paths).toEqual(['/c']);
  });
});
