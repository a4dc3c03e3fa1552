import 'reflect-metadata';
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

import {
  bindSecrets,
  dispose,
  getSecret,
  prefetch,
  refresh,
  Secret,
  SecretModel,
  SecretNotLoadedError,
  TransientError,
  type Backend,
} from 'vaultly';
import { AWSSSMBackend } from 'vaultly/aws-ssm';
import { startSsmServer, startVaultServer, type SsmServer, type VaultServer } from 'vaultly/testing';
import { VaultBackend } from 'vaultly/vault';
import { canary, expectNoCanary } from '../helpers/canary.js';
import { fakeCredentials } from '../testing/ssm/ssmTestClient.js';
import { rejection } from '../helpers/outcomes.js';

// Malformed answers from the servers, through the real clients and a model: each must reject with
// a TransientError naming the path, leave a never-loaded field unloaded and a loaded one as it was,
// and never crash or hand a non-string to the cache.

@SecretModel()
class SsmConfig {
  @Secret('/prod/db/password', 60) password!: string;
  @Secret('/prod/db/pool', 60) pool!: number;
}

/** Runs the two checks every malformed answer gets, for a model and one of its secret fields. */
async function expectCleanFailure<T extends object>(
  config: T,
  field: keyof T & string,
  path: string,
  arm: () => void,
  good: unknown,
): Promise<void> {
  // Never loaded: the failed fetch leaves nothing behind.
  arm();
  const first = await rejection(prefetch(config));
  // A malformed answer may pass (a proxy, a partial write): transient, so retried and served stale.
  expect(first).toBeInstanceOf(TransientError);
  expect((first as Error).message).toContain(path);
  expectNoCanary(first, 'malformed answer error');
  expect(() => config[field]).toThrow(SecretNotLoadedError);

  // Loaded: a failed refresh keeps the previous value in place.
  await prefetch(config);
  expect(config[field]).toEqual(good);
  arm();
  const second = await rejection(refresh(config, field));
  expect(second).toBeInstanceOf(TransientError);
  expect((second as Error).message).toContain(path);
  expect(config[field]).toEqual(good);
  expect(await getSecret(config, field)).toEqual(good);
}

describe('malformed SSM answers', () => {
  let server: SsmServer;
  let ssm: AWSSSMBackend;
  let config: SsmConfig;

  beforeEach(async () => {
    server = await startSsmServer({ parameters: { '/prod/db/password': { value: 'pw', type: 'SecureString' }, '/prod/db/pool': '10' } });
    ssm = new AWSSSMBackend({ region: server.region, clientConfig: { endpoint: server.endpoint, credentials: fakeCredentials() } });
    config = await bindSecrets(new SsmConfig(), { backend: ssm as Backend });
  });

  afterEach(async () => {
    dispose(config);
    ssm.destroy();
    await server.close();
  });

  const password = canary('ssm');
  it.each([
    ['GetParameters cut in half', () => server.faults.failNext('malformed')],
    ['GetParameters cut inside a value', () => server.faults.failNext('malformed', { body: `{"Parameters":[{"Name":"/prod/db/password","Value":"${password}` })],
    ['a GetParameters answer that is not JSON', () => server.faults.failNext('malformed', { body: '<html>502 Bad Gateway</html>' })],
    ['GetParameters whose Parameters is not a list', () => server.faults.failNext('malformed', { body: '{"Parameters":{"Name":"/prod/db/password"}}' })],
    [
      'GetParameters whose Value is a number',
      () => server.faults.failNext('malformed', { body: '{"Parameters":[{"Name":"/prod/db/password","Value":42},{"Name":"/prod/db/pool","Value":"10"}]}' }),
    ],
  ])('%s: a TransientError naming the path, nothing half-cached', async (_, arm) => {
    await expectCleanFailure(config, 'password', '/prod/db/password', arm, 'pw');
  });

  it.each([
    ['cut in half', () => server.faults.failNext('malformed')],
    ['whose Value is a number', () => server.faults.failNext('malformed', { body: '{"Parameter":{"Name":"/prod/db/password","Type":"String","Value":42}}' })],
    ['whose Value is an object', () => server.faults.failNext('malformed', { body: `{"Parameter":{"Name":"/prod/db/password","Value":{"v":"${password}"}}}` })],
    ['whose Parameter is missing', () => server.faults.failNext('malformed', { body: '{}' })],
  ])('a GetParameter answer %s rejects with a TransientError naming the path', async (_, arm) => {
    arm();
    const error = await rejection(ssm.get('/prod/db/password'));
    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).path).toBe('/prod/db/password');
    expectNoCanary(error, 'malformed GetParameter');
  });

  it('a versioned field whose GetParameter Value is a number is not cached as a number', async () => {
    @SecretModel()
    class Pinned {
      @Secret('/prod/db/password', { version: 1 }) password!: string;
    }
    const pinned = await bindSecrets(new Pinned(), { backend: ssm as Backend });
    try {
      server.faults.failNext('malformed', { body: '{"Parameter":{"Name":"/prod/db/password","Type":"String","Value":42}}' });
      const error = await rejection(getSecret(pinned, 'password'));
      expect(error).toBeInstanceOf(TransientError);
      expect(() => pinned.password).toThrow(SecretNotLoadedError);
      expect(await getSecret(pinned, 'password')).toBe('pw');
    } finally {
      dispose(pinned);
    }
  });
});

/** A server that answers every request with `body` (for answers startVaultServer cannot fake). */
async function startRawServer(status: number, body: string): Promise<{ endpoint: string; close: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = createServer((_req, res) => {
    res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) }).end(body);
  });
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      }),
  };
}

describe('malformed Vault answers', () => {
  @SecretModel()
  class VaultConfig {
    @Secret('prod/db:password', 60) password!: string;
    @Secret('prod/db:port', 60) port!: number;
    @Secret('prod/db:options', 60) options!: { tls: boolean };
  }

  let vault: VaultServer;
  beforeEach(async () => {
    vault = await startVaultServer({ secrets: { 'prod/db': { password: 'pw', port: 5432, options: { tls: true } } } });
  });
  afterEach(async () => {
    await vault.close();
  });

  it('non-string fields come back as JSON text and cast by the field type', async () => {
    const config = await bindSecrets(new VaultConfig(), { backend: new VaultBackend({ url: vault.endpoint, token: vault.token }) });
    try {
      await prefetch(config);
      expect([config.password, config.port, config.options]).toEqual(['pw', 5432, { tls: true }]);
    } finally {
      dispose(config);
    }
  });

  it('a 200 without KV v2 data (data not an object) is a TransientError naming the path, nothing half-cached', async () => {
    const config = await bindSecrets(new VaultConfig(), { backend: new VaultBackend({ url: vault.endpoint, token: vault.token }) });
    try {
      await expectCleanFailure(config, 'password', 'prod/db', () => vault.faults.failNext('error', { status: 200, message: 'odd' }), 'pw');
    } finally {
      dispose(config);
    }
  });

  it.each([
    ['cut short inside a value', `{"data":{"data":{"password":"${canary('vault')}`],
    ['whose data.data is a list', '{"data":{"data":["pw"]}}'],
    ['whose data.data is a string', '{"data":{"data":"pw"}}'],
    ['whose data is null', '{"data":null}'],
    ['that is not JSON', '<html>bad gateway</html>'],
  ])('an answer %s is a TransientError naming the path', async (_, body) => {
    const raw = await startRawServer(200, body);
    const backend = new VaultBackend({ url: raw.endpoint, token: 't' });
    const config = await bindSecrets(new VaultConfig(), { backend });
    try {
      const error = await rejection(prefetch(config));
      expect(error).toBeInstanceOf(TransientError);
      expect((error as Error).message).toContain('prod/db');
      expectNoCanary(error, 'malformed Vault answer');
      expect(() => config.password).toThrow(SecretNotLoadedError);
      const single = await rejection(backend.get('prod/db:password'));
      expect(single).toBeInstanceOf(TransientError);
      expect((single as TransientError).path).toBe('prod/db:password');
    } finally {
      dispose(config);
      await raw.close();
    }
  });
});
