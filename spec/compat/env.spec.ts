// Translates tests/backends/test_env.py of the original Python vaultly (cop1cat/vaultly). The
// original monkeypatches os.environ; ours passes an `env` object, and one test reads process.env.
import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { EnvBackend, SecretNotFoundError } from 'vaultly';
import { rejection } from '../helpers/outcomes.js';

describe('EnvBackend (test_env.py)', () => {
  it('reads /db/password from DB_PASSWORD', async () => {
    await expect(new EnvBackend({ env: { DB_PASSWORD: 's3cr3t' } }).get('/db/password')).resolves.toBe('s3cr3t');
  });

  it('reads a nested path from the joined variable name', async () => {
    await expect(new EnvBackend({ env: { DB_PROD_PASSWORD: 'x' } }).get('/db/prod/password')).resolves.toBe('x');
  });

  it('reads a path without a leading slash', async () => {
    await expect(new EnvBackend({ env: { API_KEY: 'k' } }).get('api/key')).resolves.toBe('k');
  });

  it('reads with a prefix that ends in an underscore', async () => {
    await expect(new EnvBackend({ prefix: 'MYAPP_', env: { MYAPP_DB_PASSWORD: 'p' } }).get('/db/password')).resolves.toBe('p');
  });

  it('inserts the underscore after a prefix without one', async () => {
    const backend = new EnvBackend({ prefix: 'MYAPP', env: { MYAPP_DB_PASSWORD: 'p', MYAPPDB_PASSWORD: 'wrong' } });
    await expect(backend.get('/db/password')).resolves.toBe('p');
  });

  it('rejects a missing variable with SecretNotFoundError naming the variable and path', async () => {
    const error = await rejection(new EnvBackend({ env: {} }).get('/does/not/exist'));
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect((error as Error).message).toContain('DOES_NOT_EXIST');
    expect((error as SecretNotFoundError).path).toBe('/does/not/exist');
  });

  it('reads a batch through get', async () => {
    await expect(new EnvBackend({ env: { A: '1', B: '2' } }).getBatch(['/a', '/b'])).resolves.toEqual({ '/a': '1', '/b': '2' });
  });

  it('reads process.env at each call by default', async () => {
    const suffix = randomUUID().replace(/-/g, '');
    const name = `VAULTLY_ORIGINAL_SPEC_${suffix.toUpperCase()}`;
    const backend = new EnvBackend();
    await expect(backend.get(`/vaultly/original/spec/${suffix}`)).rejects.toBeInstanceOf(SecretNotFoundError);
    process.env[name] = 'from-env';
    try {
      await expect(backend.get(`/vaultly/original/spec/${suffix}`)).resolves.toBe('from-env');
    } finally {
      delete process.env[name];
    }
  });
});
