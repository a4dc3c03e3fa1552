import 'reflect-metadata';

import { AWSSecretsManagerBackend } from 'vaultly/aws-secrets-manager';
import { bindSecrets, ConfigError, dispose, getSecret, prefetch, refresh, Secret, SecretModel, SecretNotFoundError } from 'vaultly';
import { startSecretsManagerServer, type SecretsManagerServer } from 'vaultly/testing';
import { canary } from '../../helpers/canary.js';
import { rejection } from '../../helpers/outcomes.js';
import { fakeCredentials } from '../../testing/ssm/ssmTestClient.js';

@SecretModel({ validate: 'none' })
class DbConfig {
  constructor(readonly stage = 'prod') {}
  @Secret('{stage}/db#username') username!: string;
  @Secret('{stage}/db#password', 300) password!: string;
  @Secret('{stage}/db#port') port!: number;
  @Secret('{stage}/db#password', { version: 'AWSPREVIOUS' }) previousPassword!: string;
  @Secret('{stage}/api-key') apiKey!: string;
}

@SecretModel({ validate: 'fetch' })
class NumberedConfig {
  @Secret('prod/api-key', { version: 3 }) apiKey!: string;
}

describe('AWSSecretsManagerBackend with a secret model', () => {
  let server: SecretsManagerServer;
  let backend: AWSSecretsManagerBackend;
  const first = canary('sm-model-pw1');
  const second = canary('sm-model-pw2');
  const configs: object[] = [];

  beforeEach(async () => {
    server = await startSecretsManagerServer({ secrets: { 'prod/db': JSON.stringify({ username: 'app', password: first, port: 5432 }), 'prod/api-key': 'k' } });
    server.putSecretValue('prod/db', JSON.stringify({ username: 'app', password: second, port: 5432 }));
    backend = new AWSSecretsManagerBackend({ region: server.region, clientConfig: { endpoint: server.endpoint, credentials: fakeCredentials() } });
  });

  afterEach(async () => {
    for (const config of configs.splice(0)) dispose(config);
    backend.destroy();
    await server.close();
  });

  it('prefetches the keys of one secret in one BatchGetSecretValue, reading that secret once', async () => {
    const config = await bindSecrets(new DbConfig(), { backend });
    configs.push(config);
    await prefetch(config);
    expect([config.username, config.password, config.port, config.previousPassword, config.apiKey]).toEqual(['app', second, 5432, first, 'k']);
    const batch = server.requests.filter((r) => r.op === 'BatchGetSecretValue');
    expect(batch.map((r) => [...r.secretIds].sort())).toEqual([['prod/api-key', 'prod/db']]);
    expect(server.requests.filter((r) => r.op === 'GetSecretValue').map((r) => r.input?.['VersionStage'])).toEqual(['AWSPREVIOUS']);
  });

  it('refresh() sees a rotation', async () => {
    const config = await bindSecrets(new DbConfig(), { backend });
    configs.push(config);
    await expect(getSecret(config, 'password')).resolves.toBe(second);
    const third = canary('sm-model-pw3');
    server.putSecretValue('prod/db', JSON.stringify({ username: 'app', password: third, port: 5432 }));
    await refresh(config, 'password');
    expect(config.password).toBe(third);
    await expect(getSecret(config, 'previousPassword')).resolves.toBe(second);
  });

  it('names the missing key in the SecretNotFoundError of prefetch', async () => {
    server.putSecretValue('prod/db', JSON.stringify({ password: 'p', port: 1 }));
    const config = await bindSecrets(new DbConfig(), { backend });
    configs.push(config);
    const error = await rejection<SecretNotFoundError>(prefetch(config));
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect(error.message).toContain('prod/db#username');
  });

  it('rejects a numeric version with a ConfigError when a fetch-validated model is bound', async () => {
    const error = await rejection<ConfigError>(bindSecrets(new NumberedConfig(), { backend }));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(/prod\/api-key.*no version numbers/);
    expect(server.requestCount()).toBe(0);
  });
});
