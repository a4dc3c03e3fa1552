import 'reflect-metadata';

import { AWSSSMBackend } from 'vaultly/aws-ssm';
import { bindSecrets, dispose, getSecret, prefetch, refresh, Secret, SecretModel, SecretNotFoundError } from 'vaultly';
import { startSsmServer, type SsmServer } from 'vaultly/testing';
import { fakeCredentials } from '../../testing/ssm/ssmTestClient.js';
import { rejection } from '../../helpers/outcomes.js';

@SecretModel({ validate: 'none' })
class AppConfig {
  constructor(readonly stage = 'prod') {}
  @Secret('/{stage}/api/key') apiKey!: string;
  @Secret('/{stage}/db/password', 300) dbPassword!: string;
  @Secret('/{stage}/db/pool') pool!: number;
  @Secret('/{stage}/hosts') hosts!: string;
  @Secret('/{stage}/db/password', { version: 1 }) firstDbPassword!: string;
  @Secret('/{stage}/db/password', { version: 'previous' }) previousDbPassword!: string;
}

describe('AWSSSMBackend with a secret model', () => {
  let server: SsmServer;
  let backend: AWSSSMBackend;
  const configs: object[] = [];

  beforeEach(async () => {
    server = await startSsmServer({
      parameters: {
        '/prod/api/key': { value: 'sk-live', type: 'SecureString' },
        '/prod/db/pool': '10',
        '/prod/hosts': { value: ['a.local', 'b.local'] },
      },
    });
    server.putParameter('/prod/db/password', 'pw-1', { type: 'SecureString' });
    server.putParameter('/prod/db/password', 'pw-2', { labels: ['previous'] });
    server.putParameter('/prod/db/password', 'pw-3');
    backend = new AWSSSMBackend({ region: server.region, clientConfig: { endpoint: server.endpoint, credentials: fakeCredentials() } });
  });

  afterEach(async () => {
    for (const config of configs.splice(0)) dispose(config);
    backend.destroy();
    await server.close();
  });

  const bind = async (stage = 'prod'): Promise<AppConfig> => {
    const config = await bindSecrets(new AppConfig(stage), { backend });
    configs.push(config);
    return config;
  };

  it('prefetches every unversioned path in one GetParameters and each versioned one by GetParameter', async () => {
    const config = await bind();
    await prefetch(config);
    expect(config.apiKey).toBe('sk-live');
    expect(config.dbPassword).toBe('pw-3');
    expect(config.pool).toBe(10);
    expect(config.hosts).toBe('a.local,b.local');
    expect(config.firstDbPassword).toBe('pw-1');
    expect(config.previousDbPassword).toBe('pw-2');
    expect(server.requestCount('GetParameters')).toBe(1);
    const batch = server.requests.find((r) => r.op === 'GetParameters');
    expect([...(batch?.names ?? [])].sort()).toEqual(['/prod/api/key', '/prod/db/password', '/prod/db/pool', '/prod/hosts']);
    expect(
      server.requests
        .filter((r) => r.op === 'GetParameter')
        .map((r) => r.names[0])
        .sort(),
    ).toEqual(['/prod/db/password:1', '/prod/db/password:previous']);
  });

  it('picks up a rotation through PutParameter on refresh', async () => {
    const config = await bind();
    await prefetch(config);
    server.putParameter('/prod/db/password', 'pw-4');
    expect(config.dbPassword).toBe('pw-3');
    server.clearRequests();
    await refresh(config, 'dbPassword');
    expect(config.dbPassword).toBe('pw-4');
    expect(await getSecret(config, 'dbPassword')).toBe('pw-4');
    expect(config.firstDbPassword).toBe('pw-1');
    expect(server.requestCount()).toBe(1);
  });

  it('rejects the prefetch with SecretNotFoundError naming every missing path', async () => {
    const config = await bind('dev');
    server.putParameter('/dev/api/key', 'sk-dev', { type: 'SecureString' });
    const error = await rejection(prefetch(config));
    expect(error).toBeInstanceOf(SecretNotFoundError);
    // Versioned reads are named by their cache key, path@version.
    expect([...(error as SecretNotFoundError).paths].sort()).toEqual([
      '/dev/db/password',
      '/dev/db/password@1',
      '/dev/db/password@previous',
      '/dev/db/pool',
      '/dev/hosts',
    ]);
  });
});
