import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { jest } from '@jest/globals';
import nodeVault from 'node-vault';
import { AuthError, ConfigError, PartialBatchError, SecretNotFoundError, TransientError, VaultlyError } from 'vaultly';
import {
  startVaultServer,
  type FaultOptions,
  type VaultFaultKind,
  type VaultServer,
  type VaultServerRequest,
} from 'vaultly/testing';
import { VaultBackend } from 'vaultly/vault';
import { rejection as rejectionOf } from '../../helpers/outcomes.js';

const rejection = (promise: Promise<unknown>): Promise<Error> => rejectionOf<Error>(promise);

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!condition()) throw new Error('condition not met');
}

function statusOf(error: Error): unknown {
  return (error.cause as { response?: { statusCode?: unknown } } | undefined)?.response?.statusCode;
}

describe(VaultBackend.name, () => {
  let vault: VaultServer;
  let canary: string;

  beforeEach(async () => {
    vault = await startVaultServer();
    canary = `CANARY-${randomUUID()}`;
  });

  afterEach(async () => {
    await vault.close();
  });

  const backendFor = (options: ConstructorParameters<typeof VaultBackend>[0] = {}): VaultBackend =>
    new VaultBackend({ url: vault.endpoint, token: vault.token, ...options });

  describe('constructor', () => {
    it.each([
      ['url', {}],
      ['url', { url: 'vault.internal:8200' }],
      ['client', { url: 'http://127.0.0.1:1', client: nodeVault() }],
      ['client', { client: {} as never }],
      ['token', { url: 'http://127.0.0.1:1', token: '' }],
      ['tokenFactory', { url: 'http://127.0.0.1:1', tokenFactory: 'token' as never }],
      ['mountPoint', { url: 'http://127.0.0.1:1', mountPoint: '/' }],
      ['mountPoint', { url: 'http://127.0.0.1:1', mountPoint: 'kv/../sys' }],
      ['defaultKey', { url: 'http://127.0.0.1:1', defaultKey: '' }],
      ['namespace', { url: 'http://127.0.0.1:1', namespace: '' }],
      ['namespace', { client: nodeVault({ namespace: 'a' }), namespace: 'b' }],
      ['timeout', { url: 'http://127.0.0.1:1', timeout: 0 }],
      ['timeout', { url: 'http://127.0.0.1:1', timeout: Number.NaN }],
      ['tokenFactoryTimeout', { url: 'http://127.0.0.1:1', tokenFactoryTimeout: 0 }],
      ['tokenFactoryTimeout', { url: 'http://127.0.0.1:1', tokenFactoryTimeout: Infinity }],
      ['concurrency', { url: 'http://127.0.0.1:1', concurrency: 0 }],
      ['concurrency', { url: 'http://127.0.0.1:1', concurrency: 1.5 }],
      ['headers', { url: 'http://127.0.0.1:1', headers: { 'X-A': 1 } as never }],
    ] as const)('rejects a bad %s with a TypeError naming it', (option, options) => {
      expect(() => new VaultBackend(options)).toThrow(TypeError);
      expect(() => new VaultBackend(options)).toThrow(`options.${option}`);
    });
  });

  describe('get', () => {
    it('returns the defaultKey field of the secret, dropping a leading slash', async () => {
      vault.put('db/password', { value: canary, other: 'x' });

      await expect(backendFor().get('/db/password')).resolves.toBe(canary);
      expect(vault.requests).toMatchObject([
        { method: 'GET', path: '/v1/secret/data/db/password', query: {}, token: vault.token, namespace: undefined },
      ]);
    });

    it('returns the field named after the last colon', async () => {
      vault.put('db', { user: 'app', password: canary });
      vault.put('app:cfg', { token: 'tok' });
      const backend = backendFor();

      await expect(backend.get('db:password')).resolves.toBe(canary);
      await expect(backend.get('db:user')).resolves.toBe('app');
      await expect(backend.get('app:cfg:token')).resolves.toBe('tok');
      expect(vault.requests.at(-1)?.path).toBe('/v1/secret/data/app%3Acfg');
    });

    it('returns non-string values as JSON text', async () => {
      vault.put('cfg', { port: 5432, on: true, tags: ['a', 'b'], nested: { a: 1 }, none: null });
      const backend = backendFor();

      await expect(backend.get('cfg:port')).resolves.toBe('5432');
      await expect(backend.get('cfg:on')).resolves.toBe('true');
      await expect(backend.get('cfg:tags')).resolves.toBe('["a","b"]');
      await expect(backend.get('cfg:nested')).resolves.toBe('{"a":1}');
      await expect(backend.get('cfg:none')).resolves.toBe('null');
    });

    it('reads from mountPoint with defaultKey', async () => {
      await vault.close();
      vault = await startVaultServer({ mounts: ['kv/apps'] });
      vault.put('db', { secret: canary });

      await expect(backendFor({ mountPoint: '/kv/apps/', defaultKey: 'secret' }).get('db')).resolves.toBe(canary);
      expect(vault.requests[0]?.path).toBe('/v1/kv/apps/data/db');
    });

    it('percent-encodes each path segment', async () => {
      vault.put('team a/db?#%', { value: canary });

      await expect(backendFor().get('team a/db?#%')).resolves.toBe(canary);
      expect(vault.requests[0]).toMatchObject({ path: '/v1/secret/data/team%20a/db%3F%23%25', query: {} });
    });

    it('reads a pinned version, given as a number or a decimal string', async () => {
      vault.put('db', { value: 'one' });
      vault.put('db', { value: 'two' });
      const backend = backendFor();

      await expect(backend.get('db', { version: 1 })).resolves.toBe('one');
      await expect(backend.get('db', { version: '2' })).resolves.toBe('two');
      await expect(backend.get('db')).resolves.toBe('two');
      expect(vault.requests.map((r) => r.query)).toEqual([{ version: '1' }, { version: '2' }, {}]);
    });

    it.each([['latest'], [0], [-1], [1.5], ['01']])('rejects version %p with a ConfigError and no request', async (version) => {
      const error = await rejection(backendFor().get('db', { version }));

      expect(error).toBeInstanceOf(ConfigError);
      expect(error.message).toContain('db');
      expect(vault.requests).toHaveLength(0);
    });

    it.each([[''], ['/'], ['a//b'], ['a/../../sys/seal'], ['./a'], ['db:'], [':key'], ['a/']])(
      'rejects the malformed path %p with a ConfigError and no request',
      async (path) => {
        const error = await rejection(backendFor().get(path));

        expect(error).toBeInstanceOf(ConfigError);
        expect((error as ConfigError).path).toBe(path);
        expect(vault.requests).toHaveLength(0);
      },
    );

    it('rejects a missing secret with SecretNotFoundError naming the path and status', async () => {
      const error = await rejection(backendFor().get('/nope:key'));

      expect(error).toBeInstanceOf(SecretNotFoundError);
      expect(error.message).toBe('Secret not found in Vault: /nope:key (HTTP 404)');
      expect((error as SecretNotFoundError).path).toBe('/nope:key');
      expect(statusOf(error)).toBe(404);
    });

    it('rejects a missing key with SecretNotFoundError listing the keys present, never the values', async () => {
      vault.put('db', { user: canary, host: `${canary}-host` });

      const error = await rejection(backendFor().get('db:password'));

      expect(error).toBeInstanceOf(SecretNotFoundError);
      expect(error.message).toBe('Vault secret db has no key "password" (keys: user, host)');
      expect((error as SecretNotFoundError).path).toBe('db:password');
      expect(inspect(error)).not.toContain(canary);
    });

    it('rejects a soft-deleted version with SecretNotFoundError', async () => {
      vault.put('db', { value: canary });
      vault.put('db', { value: 'two' });
      vault.delete('db', [1]);

      const error = await rejection(backendFor().get('db', { version: 1 }));

      expect(error).toBeInstanceOf(SecretNotFoundError);
      expect(error.message).toBe('Secret not found in Vault: db (HTTP 404, version 1 deleted)');
      expect(statusOf(error)).toBe(404);
      await expect(backendFor().get('db')).resolves.toBe('two');
    });

    it('rejects a destroyed latest version with SecretNotFoundError', async () => {
      vault.put('db', { value: canary });
      vault.destroy('db', [1]);

      const error = await rejection(backendFor().get('db'));

      expect(error).toBeInstanceOf(SecretNotFoundError);
      expect(error.message).toBe('Secret not found in Vault: db (HTTP 404, version 1 destroyed)');
    });

    it('sends the namespace header and reads the namespace\'s secrets', async () => {
      vault.put('db', { value: 'root' });
      vault.put('db', { value: canary }, { namespace: 'team-a' });

      await expect(backendFor({ namespace: 'team-a' }).get('db')).resolves.toBe(canary);
      const client = nodeVault({ endpoint: vault.endpoint, token: vault.token });
      await expect(new VaultBackend({ client, namespace: 'team-a' }).get('db')).resolves.toBe(canary);
      expect(vault.requests.map((r) => r.namespace)).toEqual(['team-a', 'team-a']);
    });
  });

  describe('failures', () => {
    beforeEach(() => {
      vault.put('db', { value: canary });
    });

    it.each([
      ['throttle', {}, 429, 'Vault failed reading db (HTTP 429)'],
      ['error', {}, 500, 'Vault failed reading db (HTTP 500)'],
      ['error', { status: 502 }, 502, 'Vault failed reading db (HTTP 502)'],
      ['sealed', {}, 503, 'Vault failed reading db (HTTP 503, Vault is sealed)'],
      ['error', { status: 412, message: 'required index state not present' }, 412, 'Vault failed reading db (HTTP 412)'],
    ] as [VaultFaultKind, FaultOptions<VaultServerRequest>, number, string][])('maps %p %p to a TransientError with the response as cause', async (fault, options, status, message) => {
      vault.faults.failNext(fault, options);

      const error = await rejection(backendFor().get('db'));

      expect(error).toBeInstanceOf(TransientError);
      expect(error.message).toBe(message);
      expect((error as TransientError).path).toBe('db');
      expect((error as TransientError).code).toBe(String(status));
      expect(statusOf(error)).toBe(status);
    });

    it('maps a reset connection to a TransientError', async () => {
      vault.faults.failNext('reset');

      const error = await rejection(backendFor().get('db'));

      expect(error).toBeInstanceOf(TransientError);
      expect(error.message).toBe('Vault read of db failed without a response (ECONNRESET)');
      expect((error as TransientError).code).toBe('ECONNRESET');
      expect((error.cause as { code?: string }).code).toBe('ECONNRESET');
    });

    it('maps a refused connection to a TransientError', async () => {
      const backend = backendFor();
      await vault.close();

      const error = await rejection(backend.get('db'));

      expect(error).toBeInstanceOf(TransientError);
      expect(error.message).toBe('Vault read of db failed without a response (ECONNREFUSED)');
    });

    it('maps a hanging server to a TransientError after timeout seconds, with the token masked in the cause', async () => {
      vault.faults.failNext('hang');

      const error = await rejection(backendFor({ timeout: 0.05 }).get('db'));

      expect(error).toBeInstanceOf(TransientError);
      expect(error.message).toBe('Vault read of db timed out (ECONNABORTED)');
      const cause = error.cause as { code: string; config: { headers: Record<string, unknown> } };
      expect(cause.code).toBe('ECONNABORTED');
      expect(cause.config.headers['X-Vault-Token']).toBe('***');
      expect(inspect(error, { depth: 10 })).not.toContain(vault.token);
    });

    it('maps a response without KV v2 data to a TransientError that does not quote the body', async () => {
      vault.faults.failNext('error', { status: 200, message: canary });

      const error = await rejection(backendFor().get('db'));

      expect(error).toBeInstanceOf(TransientError);
      expect(error.message).toBe('Vault returned no KV v2 data for db (is secret a KV v2 mount?)');
    });

    it('maps 403 without a tokenFactory to an AuthError', async () => {
      const error = await rejection(backendFor({ token: 'stale' }).get('db'));

      expect(error).toBeInstanceOf(AuthError);
      expect(error.message).toBe('Vault denied reading db (HTTP 403)');
      expect(statusOf(error)).toBe(403);
      expect(vault.requests).toHaveLength(1);
    });

    it('never puts a secret value in an error message, whatever the failure', async () => {
      vault.put('app', { user: canary, [`key-${canary.length}`]: canary });
      vault.put('gone', { value: canary });
      vault.delete('gone');
      const faults: [VaultFaultKind, FaultOptions<VaultServerRequest>][] = [
        ['throttle', {}],
        ['error', {}],
        ['sealed', {}],
        ['reset', {}],
        ['error', { status: 400, message: canary }],
      ];
      const errors: Error[] = [];
      for (const [fault, options] of faults) {
        vault.faults.failNext(fault, options);
        errors.push(await rejection(backendFor().get('app:user')));
      }
      errors.push(await rejection(backendFor().get('app:missing')));
      errors.push(await rejection(backendFor().get('gone')));
      errors.push(await rejection(backendFor().getBatch(['app:missing', 'gone', 'nope'])));

      for (const error of errors) {
        expect(error).toBeInstanceOf(VaultlyError);
        expect(error.message).not.toContain(canary);
      }
    });
  });

  describe('response bodies', () => {
    /** A stand-in for a proxy in front of Vault, answering every request with `status` and `body`. */
    async function proxyAnswering(status: number, body: unknown): Promise<{ url: string; close: () => Promise<void> }> {
      const server = createServer((_req, res) => {
        res.writeHead(status, { 'Content-Type': 'application/json', Connection: 'close' }).end(JSON.stringify(body));
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as AddressInfo;
      return {
        url: `http://127.0.0.1:${port}`,
        close: () => new Promise<void>((resolve) => server.close(() => resolve())),
      };
    }

    const kvBody = (value: string): unknown => ({ data: { data: { value }, metadata: { version: 1 } } });

    it('reads a 203 (a proxy\'s non-authoritative copy) as a 200', async () => {
      const proxy = await proxyAnswering(203, kvBody(canary));
      try {
        await expect(new VaultBackend({ url: proxy.url, token: 't' }).get('db')).resolves.toBe(canary);
        await expect(new VaultBackend({ url: proxy.url, token: 't' }).getBatch(['db'])).resolves.toEqual({ db: canary });
      } finally {
        await proxy.close();
      }
    });

    it.each([206, 400, 404, 409, 500])('keeps no response body in the error of a %i, its cause included', async (status) => {
      const proxy = await proxyAnswering(status, { ...(kvBody(canary) as object), errors: [`echo ${canary}`] });
      try {
        const error = await rejection(new VaultBackend({ url: proxy.url, token: 't' }).get('db'));

        expect(error).toBeInstanceOf(VaultlyError);
        expect((error as VaultlyError).code).toBe(String(status));
        expect(statusOf(error)).toBe(status);
        expect(inspect(error, { depth: 20, showHidden: true })).not.toContain(canary);
        expect(JSON.stringify(error.cause)).not.toContain(canary);
        expect((error.cause as Error).message).toBe(`Vault answered HTTP ${status} (response body withheld)`);
        expect((error.cause as Error).stack).not.toContain(canary);
      } finally {
        await proxy.close();
      }
    });

    it('keeps no body from the loopback Vault\'s error answers, whatever the status', async () => {
      vault.put('db', { value: canary });
      for (const status of [400, 503, 403]) {
        vault.faults.failNext('error', { status, message: canary });
        const error = await rejection(backendFor().get('db'));
        expect(inspect(error, { depth: 20, showHidden: true })).not.toContain(canary);
      }
      const batchError = await rejection(backendFor().getBatch(['db:missing', 'nope']));
      expect(inspect(batchError, { depth: 20, showHidden: true })).not.toContain(canary);
    });
  });

  describe('tokenFactory', () => {
    it('renews a rejected token once for 50 concurrent reads, and every read succeeds', async () => {
      vault.addToken('expired');
      vault.put('db', { value: canary });
      vault.revokeToken('expired');
      vault.addToken('fresh');
      const tokenFactory = jest.fn(async () => 'fresh');
      const backend = backendFor({ token: 'expired', tokenFactory });

      const values = await Promise.all(Array.from({ length: 50 }, () => backend.get('db')));

      expect(values).toEqual(Array.from({ length: 50 }, () => canary));
      expect(tokenFactory).toHaveBeenCalledTimes(1);
      const tokens = vault.requests.map((r) => r.token);
      expect(tokens.filter((t) => t === 'expired')).toHaveLength(50);
      expect(tokens.filter((t) => t === 'fresh')).toHaveLength(50);
      await backend.get('db');
      expect(vault.requests.at(-1)?.token).toBe('fresh');
      expect(tokenFactory).toHaveBeenCalledTimes(1);
    });

    it('accepts a synchronous factory, and calls it before the first read when there is no token', async () => {
      vault.put('db', { value: canary });
      vault.addToken('lazy');
      const tokenFactory = jest.fn(() => 'lazy');
      const backend = new VaultBackend({ url: vault.endpoint, tokenFactory });

      await expect(backend.get('db')).resolves.toBe(canary);
      expect(tokenFactory).toHaveBeenCalledTimes(1);
      expect(vault.requests.map((r) => r.token)).toEqual(['lazy']);
    });

    it('rejects with AuthError when the renewed token is rejected too, without a third attempt', async () => {
      vault.put('db', { value: canary });
      const tokenFactory = jest.fn(async () => 'also-bad');

      const error = await rejection(backendFor({ token: 'bad', tokenFactory }).get('db'));

      expect(error).toBeInstanceOf(AuthError);
      expect(error.message).toBe('Vault denied reading db (HTTP 403, again after tokenFactory renewed the token)');
      expect(statusOf(error)).toBe(403);
      expect(tokenFactory).toHaveBeenCalledTimes(1);
      expect(vault.requests.map((r) => r.token)).toEqual(['bad', 'also-bad']);
    });

    it('renews on a 401 as well', async () => {
      vault.put('db', { value: canary });
      vault.faults.failNext('error', { status: 401, message: 'missing client token' });
      const tokenFactory = jest.fn(() => vault.token);

      await expect(backendFor({ token: 'whatever', tokenFactory }).get('db')).resolves.toBe(canary);
      expect(tokenFactory).toHaveBeenCalledTimes(1);
    });

    it('rejects with AuthError, keeping the factory\'s error as cause but not its message', async () => {
      vault.put('db', { value: canary });
      const failure = new Error(`login failed for ${canary}`);
      const tokenFactory = jest.fn(async (): Promise<string> => {
        throw failure;
      });

      const error = await rejection(backendFor({ token: 'bad', tokenFactory }).get('db'));

      expect(error).toBeInstanceOf(AuthError);
      expect(error.message).toBe('Could not renew the Vault token to read db');
      expect((error.cause as Error).cause).toBe(failure);
      expect(error.message).not.toContain(canary);
      expect((error.cause as Error).message).not.toContain(canary);
    });

    it('recovers after a factory call that never settles: the read fails after tokenFactoryTimeout, the next one renews', async () => {
      vault.put('db', { value: canary });
      const signals: AbortSignal[] = [];
      const tokenFactory = jest
        .fn<(context: { signal: AbortSignal }) => Promise<string>>()
        .mockImplementationOnce(({ signal }) => {
          signals.push(signal);
          return new Promise<string>(() => undefined);
        })
        .mockImplementationOnce(async () => vault.token);
      const backend = backendFor({ token: 'expired', tokenFactory, tokenFactoryTimeout: 0.02 });

      const error = await rejection(backend.get('db'));

      expect(error).toBeInstanceOf(AuthError);
      expect(error.message).toBe('Could not renew the Vault token to read db');
      expect((error.cause as Error).message).toContain('tokenFactoryTimeout');
      expect(signals[0]?.aborted).toBe(true);
      await expect(backend.get('db')).resolves.toBe(canary);
      expect(tokenFactory).toHaveBeenCalledTimes(2);
    });

    it('turns a factory that throws synchronously into a rejected read, not an unhandled rejection', async () => {
      vault.put('db', { value: canary });
      const unhandled: unknown[] = [];
      const onUnhandled = (reason: unknown): void => {
        unhandled.push(reason);
      };
      process.on('unhandledRejection', onUnhandled);
      try {
        const tokenFactory = (): string => {
          throw new Error('no login');
        };
        const backend = backendFor({ tokenFactory });
        // No token at all: the factory runs before the first read; then a rejected token.
        const noToken = new VaultBackend({ url: vault.endpoint, tokenFactory });
        await expect(noToken.get('db')).rejects.toBeInstanceOf(AuthError);
        await expect(backendFor({ token: 'expired', tokenFactory }).get('db')).rejects.toBeInstanceOf(AuthError);
        await expect(backend.getBatch(['db'])).resolves.toEqual({ db: canary });
        await new Promise((resolve) => setImmediate(resolve));
        expect(unhandled).toEqual([]);
      } finally {
        process.off('unhandledRejection', onUnhandled);
      }
    });

    it('rejects with AuthError when the factory returns an empty token', async () => {
      vault.put('db', { value: canary });

      const error = await rejection(backendFor({ token: 'bad', tokenFactory: () => '' }).get('db'));

      expect(error).toBeInstanceOf(AuthError);
      expect((error.cause as Error).message).toBe('Vault tokenFactory did not return a non-empty string');
    });

    it('does not renew on a 404 or a 5xx', async () => {
      vault.faults.failNext('error');
      const tokenFactory = jest.fn(() => vault.token);
      const backend = backendFor({ tokenFactory });

      expect(await rejection(backend.get('db'))).toBeInstanceOf(TransientError);
      expect(await rejection(backend.get('nope'))).toBeInstanceOf(SecretNotFoundError);
      expect(tokenFactory).not.toHaveBeenCalled();
    });

    it('makes rotation take effect with a client built with requestOptions.headers', async () => {
      vault.put('db', { value: canary });
      vault.addToken('first', { uses: 1 });
      vault.addToken('second');
      const client = nodeVault({
        endpoint: vault.endpoint,
        token: 'first',
        requestOptions: { headers: { 'X-Trace': 'on' } },
      });
      const tokenFactory = jest.fn(() => 'second');
      const backend = new VaultBackend({ client, tokenFactory, headers: { 'X-Trace': 'on' } });

      await expect(backend.get('db')).resolves.toBe(canary);
      await expect(backend.get('db')).resolves.toBe(canary);
      await expect(backend.get('db')).resolves.toBe(canary);

      expect(vault.requests.map((r) => r.token)).toEqual(['first', 'first', 'second', 'second']);
      expect(tokenFactory).toHaveBeenCalledTimes(1);
    });

    it('uses a token the caller rotated on a supplied client', async () => {
      vault.put('db', { value: canary });
      vault.addToken('rotated');
      const client = nodeVault({ endpoint: vault.endpoint, token: vault.token, requestOptions: { headers: {} } });
      const backend = new VaultBackend({ client });
      await backend.get('db');

      client.token = 'rotated';
      await backend.get('db');

      expect(vault.requests.map((r) => r.token)).toEqual([vault.token, 'rotated']);
    });
  });

  describe('getBatch', () => {
    it('reads each secret path once, however many of its keys are asked for', async () => {
      vault.put('db', { user: 'app', password: canary });
      vault.put('api', { value: 'key' });

      const values = await backendFor().getBatch(['db:user', 'db:password', '/db:password', 'api', 'db:user']);

      expect(values).toEqual({ 'db:user': 'app', 'db:password': canary, '/db:password': canary, api: 'key' });
      expect(vault.requests.map((r) => r.path).sort()).toEqual(['/v1/secret/data/api', '/v1/secret/data/db']);
    });

    it('names every missing secret and key in one SecretNotFoundError', async () => {
      vault.put('db', { user: 'app' });

      const error = await rejection(backendFor().getBatch(['db:user', 'db:password', 'nope', 'gone:key']));

      expect(error).toBeInstanceOf(SecretNotFoundError);
      expect((error as SecretNotFoundError).paths).toEqual(['db:password', 'nope', 'gone:key']);
      expect(error.message).toBe('3 secrets not found: db:password, nope, gone:key');
      expect(error.cause).toBeInstanceOf(AggregateError);
      expect((error.cause as AggregateError).errors).toHaveLength(3);
    });

    it('reads on past a transient failure, owing only that secret and naming the missing', async () => {
      vault.put('db', { value: 'a' });
      vault.put('api', { value: 'b' });
      vault.faults.failNext('sealed', { match: (r) => r.path.endsWith('/api') });

      const error = await rejection(backendFor().getBatch(['db', 'api', 'nope']));

      expect(error).toBeInstanceOf(PartialBatchError);
      const partial = error as PartialBatchError;
      expect(partial.owedPaths).toEqual(['api']);
      expect(partial.missing).toEqual(['nope']);
      expect((partial.cause as Error).message).toBe('Vault failed reading api (HTTP 503, Vault is sealed)');
      expect({ ...PartialBatchError.fetchedValues(partial) }).toEqual({ db: 'a' });
    });

    it('rejects a malformed name with a ConfigError before any request', async () => {
      const error = await rejection(backendFor().getBatch(['db', 'a//b']));

      expect(error).toBeInstanceOf(ConfigError);
      expect(vault.requests).toHaveLength(0);
    });

    it('renews the token once for the whole batch', async () => {
      for (let i = 0; i < 10; i++) vault.put(`s${i}`, { value: String(i) });
      const tokenFactory = jest.fn(() => vault.token);

      const values = await backendFor({ token: 'stale', tokenFactory }).getBatch(
        Array.from({ length: 10 }, (_, i) => `s${i}`),
      );

      expect(Object.values(values)).toEqual(Array.from({ length: 10 }, (_, i) => String(i)));
      expect(tokenFactory).toHaveBeenCalledTimes(1);
    });

    it('rejects with the abort reason when its signal aborts', async () => {
      vault.put('db', { value: 'a' });
      vault.faults.failNext('hang');
      const controller = new AbortController();
      const reason = new Error('stop');

      const pending = rejection(backendFor().getBatch(['db'], { signal: controller.signal }));
      await waitFor(() => vault.requests.length === 1);
      controller.abort(reason);

      expect(await pending).toBe(reason);
      await waitFor(() => vault.openConnections === 0);
    });
  });

  describe('abort', () => {
    it('rejects with the signal\'s reason and cuts the hanging request', async () => {
      vault.put('db', { value: canary });
      vault.faults.failNext('hang');
      const controller = new AbortController();
      const reason = new Error('shutting down');

      const pending = rejection(backendFor().get('db', { signal: controller.signal }));
      await waitFor(() => vault.requests.length === 1);
      expect(vault.openConnections).toBe(1);
      controller.abort(reason);

      expect(await pending).toBe(reason);
      await waitFor(() => vault.openConnections === 0);
    });

    it('rejects at once with an already aborted signal and sends nothing', async () => {
      const controller = new AbortController();
      controller.abort();

      const error = await rejection(backendFor().get('db', { signal: controller.signal }));

      expect(error.name).toBe('AbortError');
      expect(vault.requests).toHaveLength(0);
    });

    it('settles a read through a supplied client, whose request it cannot cut', async () => {
      vault.put('db', { value: canary });
      vault.faults.failNext('hang');
      const client = nodeVault({ endpoint: vault.endpoint, token: vault.token });
      const controller = new AbortController();

      const pending = rejection(new VaultBackend({ client, timeout: 0.5 }).get('db', { signal: controller.signal }));
      await waitFor(() => vault.requests.length === 1);
      controller.abort();

      expect((await pending).name).toBe('AbortError');
    });

    it('reads normally with a signal that never aborts, reusing the connection', async () => {
      vault.put('db', { value: canary });
      const backend = backendFor();
      const { signal } = new AbortController();

      await expect(backend.get('db', { signal })).resolves.toBe(canary);
      await expect(backend.get('db', { signal })).resolves.toBe(canary);
      expect(vault.openConnections).toBe(1);
    });
  });
});
