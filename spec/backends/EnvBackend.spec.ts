import { EnvBackend, SecretNotFoundError } from '../../lib/index.js';

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

    it('upper-cases and replaces separators', () => {
      expect(new EnvBackend().variableName('/services/open-ai.key')).toBe('SERVICES_OPEN_AI_KEY');
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
  });

  it('refuses a non-string prefix, naming the option', () => {
    expect(() => new EnvBackend({ prefix: 1 as never })).toThrow(/options\.prefix/);
  });
});
