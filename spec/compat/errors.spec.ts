// Translates tests/unit/test_errors.py of the original Python vaultly (cop1cat/vaultly v1.0.0).
// Python's issubclass checks become instanceof checks on instances plus the cross-copy `is()` check.
import 'reflect-metadata';
import {
  AuthError,
  ConfigError,
  MissingContextVariableError,
  SecretNotFoundError,
  SecretNotLoadedError,
  TransientError,
  VaultlyError,
} from 'vaultly';

const instances = (): [string, Error][] => [
  ['ConfigError', new ConfigError('c')],
  ['MissingContextVariableError', new MissingContextVariableError('m', { variable: 'stage' })],
  ['SecretNotFoundError', new SecretNotFoundError('s')],
  ['AuthError', new AuthError('a')],
  ['TransientError', new TransientError('t')],
  // Not in the original (it has no such class); our API adds it.
  ['SecretNotLoadedError', new SecretNotLoadedError('n')],
];

describe('errors (test_errors.py)', () => {
  it.each(instances())('%s inherits from VaultlyError and Error', (name, error) => {
    expect(error).toBeInstanceOf(VaultlyError);
    expect(error).toBeInstanceOf(Error);
    expect(VaultlyError.is(error)).toBe(true);
    expect(error.name).toBe(name);
  });

  it('makes MissingContextVariableError a ConfigError', () => {
    const error = new MissingContextVariableError('m', { variable: 'stage' });
    expect(error).toBeInstanceOf(ConfigError);
    expect(ConfigError.is(error)).toBe(true);
    expect(error.variable).toBe('stage');
    // The converse does not hold.
    expect(new ConfigError('c')).not.toBeInstanceOf(MissingContextVariableError);
    expect(MissingContextVariableError.is(new ConfigError('c'))).toBe(false);
  });

  it('keeps TransientError separate from SecretNotFoundError', () => {
    const transient = new TransientError('t');
    const notFound = new SecretNotFoundError('s');
    expect(transient).not.toBeInstanceOf(SecretNotFoundError);
    expect(notFound).not.toBeInstanceOf(TransientError);
    expect(SecretNotFoundError.is(transient)).toBe(false);
    expect(TransientError.is(notFound)).toBe(false);
  });

  it('keeps AuthError separate from TransientError', () => {
    const auth = new AuthError('a');
    expect(auth).not.toBeInstanceOf(TransientError);
    expect(TransientError.is(auth)).toBe(false);
    expect(new TransientError('t')).not.toBeInstanceOf(AuthError);
  });
});
