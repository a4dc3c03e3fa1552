import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import { bindSecrets, dispose, getSecret, Nested, prefetch, Secret, SecretModel, SecretNotFoundError } from 'vaultly';
import { startVaultServer, type VaultServer } from 'vaultly/testing';
import { VaultBackend } from 'vaultly/vault';

@SecretModel()
class DbConfig {
  @Secret('/{stage}/db:user') user!: string;
  @Secret('/{stage}/db:password') password!: string;
  @Secret('/{stage}/db:port') port!: number;
}

@SecretModel()
class AppConfig {
  constructor(readonly stage = 'prod') {}
  @Secret('/{stage}/api') apiKey!: string;
  @Secret('/{stage}/flags:beta') beta!: boolean;
  @Secret('/{stage}/db:password', { version: 1 }) oldPassword!: string;
  @Nested() db!: DbConfig;
}

describe('VaultBackend with a SecretModel', () => {
  let vault: VaultServer;
  let canary: string;

  beforeEach(async () => {
    vault = await startVaultServer();
    canary = `CANARY-${randomUUID()}`;
    vault.put('prod/db', { user: 'app', password: 'old-password', port: 5432 });
    vault.put('prod/db', { user: 'app', password: canary, port: 5432 });
    vault.put('prod/api', { value: 'sk-live' });
    vault.put('prod/flags', { beta: true });
  });

  afterEach(async () => {
    await vault.close();
  });

  it('prefetches path:key fields with one HTTP read per secret path, plus one per pinned version', async () => {
    const backend = new VaultBackend({ url: vault.endpoint, token: vault.token });
    const config = await bindSecrets(new AppConfig(), { backend });

    await prefetch(config);

    expect(config.db.user).toBe('app');
    expect(config.db.password).toBe(canary);
    expect(config.db.port).toBe(5432);
    expect(config.apiKey).toBe('sk-live');
    expect(config.beta).toBe(true);
    expect(config.oldPassword).toBe('old-password');
    const reads = vault.requests.map((r) => `${r.path}${r.query['version'] === undefined ? '' : `@${r.query['version']}`}`);
    expect(reads.sort()).toEqual([
      '/v1/secret/data/prod/api',
      '/v1/secret/data/prod/db',
      '/v1/secret/data/prod/db@1',
      '/v1/secret/data/prod/flags',
    ]);
    dispose(config);
  });

  it('rejects prefetch with SecretNotFoundError naming a missing key, never a value', async () => {
    vault.put('prod/db', { user: 'app', port: 5432, other: canary });
    const backend = new VaultBackend({ url: vault.endpoint, token: vault.token });
    const config = await bindSecrets(new AppConfig(), { backend });

    const error = await prefetch(config).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect((error as SecretNotFoundError).paths).toContain('/prod/db:password');
    expect((error as Error).message).toContain('/prod/db:password');
    expect((error as Error).message).not.toContain(canary);
    dispose(config);
  });

  it('reads one field on demand with getSecret', async () => {
    const backend = new VaultBackend({ url: vault.endpoint, token: vault.token });
    const config = await bindSecrets(new AppConfig('prod'), { backend });

    await expect(getSecret(config, 'oldPassword')).resolves.toBe('old-password');
    expect(vault.requests.map((r) => r.query)).toEqual([{ version: '1' }]);
    dispose(config);
  });
});
