import { ConfigError, EnvBackend, SecretNotFoundError } from 'vaultly';
import { rejection } from '../helpers/outcomes.js';

describe('Class: EnvBackend', () => {
  describe('get', () => {
    it('maps /db/prod/password to DB_PROD_PASSWORD', async () => {
      const backend = new EnvBackend({ env: { DB_PROD_PASSWORD: 'pw' } });
      await expect(backend.get('/db/prod/password')).resolves.toBe('pw');
    });

    it.each(['MYAPP', 'MYAPP_'])('reads MYAPP_DB_PROD_PASSWORD with prefix %j', async (prefix) => {
      const backend = new EnvBackend({ prefix, env: { MYAPP_DB_PROD_PASSWORD: 'pw' } });
      await expect(backend.get('/db/prod/password')).resolves.toBe('pw');
      expect(backend.variableName('/db/prod/password')).toBe('MYAPP_DB_PROD_PASSWORD');
    });

    it('upper-cases the letters and turns each / into _', () => {
      expect(new EnvBackend().variableName('/services/openai2/key')).toBe('SERVICES_OPENAI2_KEY');
      expect(new EnvBackend().variableName('services/openai2/key')).toBe('SERVICES_OPENAI2_KEY');
    });

    // Each of these used to read PROD_DB_PASSWORD (or DB_PASSWORD), as `/prod/db/password` does.
    it.each([
      '/prod.db/password',
      '/prod-db/password',
      '/prod_db/password',
      '/prod\uFF0Fdb/password',
      '/prod\u2215db/password',
      '/./db/password',
      '/-/db/password',
      '/ /db/password',
      '/Prod/db/password',
      '/PROD/db/password',
      '//db/password',
      '/db/password/',
      '',
      '/',
    ])('refuses %j, which would read the same variable as another path, with a ConfigError naming it', async (path) => {
      const env = { PROD_DB_PASSWORD: 'CANARY-env-value', DB_PASSWORD: 'CANARY-env-value' };
      const backend = new EnvBackend({ env });
      const error = await rejection(backend.get(path));
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).path).toBe(path);
      expect((error as Error).message).toContain(path);
      expect((error as Error).message).not.toContain('CANARY');
      expect(() => backend.variableName(path)).toThrow(ConfigError);
      await expect(backend.getBatch(['/prod/db/password', path])).rejects.toBeInstanceOf(ConfigError);
    });

    it('maps different filled-in values to different variables', () => {
      const backend = new EnvBackend({ prefix: 'APP' });
      const values = ['prod', 'prod1', 'prod0', 'p', 'd', 'prodd', '1', 'a1b2'];
      const names = values.map((stage) => backend.variableName(`/${stage}/db/password`));
      expect(new Set(names).size).toBe(values.length);
    });

    it('ignores versions', async () => {
      const backend = new EnvBackend({ env: { A: 'x' } });
      await expect(backend.get('/a', { version: 3 })).resolves.toBe('x');
    });

    it('reads process.env at each call by default', async () => {
      const backend = new EnvBackend();
      process.env['VAULTLY_SPEC_ENV_VALUE'] = 'one';
      await expect(backend.get('/vaultly/spec/env/value')).resolves.toBe('one');
      process.env['VAULTLY_SPEC_ENV_VALUE'] = 'two';
      await expect(backend.get('/vaultly/spec/env/value')).resolves.toBe('two');
      delete process.env['VAULTLY_SPEC_ENV_VALUE'];
    });

    it('rejects with SecretNotFoundError naming path and variable', async () => {
      const error = await new EnvBackend({ env: {} }).get('/db/pw').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SecretNotFoundError);
      expect((error as SecretNotFoundError).path).toBe('/db/pw');
      expect((error as Error).message).toContain('DB_PW');
    });

    it('batches through the default getBatch', async () => {
      const backend = new EnvBackend({ env: { A: '1', B: '2' } });
      await expect(backend.getBatch(['/a', '/b'])).resolves.toEqual({ '/a': '1', '/b': '2' });
      await expect(backend.getBatch(['/a', '/c', '/d'])).rejects.toThrow('2 secrets not found: /c, /d');
    });

    it('rejects a batch with a SecretNotFoundError naming every missing path and the variables to set', async () => {
      const backend = new EnvBackend({ prefix: 'MYAPP', env: { MYAPP_A: '1' } });
      const error = await rejection(backend.getBatch(['/a', '/db/prod/password', '/c', '/c']));
      expect(error).toBeInstanceOf(SecretNotFoundError);
      expect((error as SecretNotFoundError).paths).toEqual(['/db/prod/password', '/c']);
      expect((error as Error).message).toBe(
        '2 secrets not found: /db/prod/password, /c (environment variables MYAPP_DB_PROD_PASSWORD, MYAPP_C are not set)',
      );
      const one = await rejection(backend.getBatch(['/a', '/c']));
      expect((one as SecretNotFoundError).path).toBe('/c');
      expect((one as Error).message).toBe('Secret not found: /c (environment variable MYAPP_C is not set)');
    });

    it('does not read inherited properties of the env object', async () => {
      const env = Object.create({ INHERITED: 'x' }) as Record<string, string>;
      await expect(new EnvBackend({ env }).get('/inherited')).rejects.toBeInstanceOf(SecretNotFoundError);
    });
  });

  it('refuses a non-string prefix, naming the option', () => {
    expect(() => new EnvBackend({ prefix: 1 as never })).toThrow(/options\.prefix/);
  });
});
