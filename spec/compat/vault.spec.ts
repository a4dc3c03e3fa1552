// Translates tests/unit/backends/test_vault.py of the original Python vaultly (cop1cat/vaultly v1.0.0).
// The original fakes hvac's `secrets.kv.v2.read_secret_version`; ours takes a node-vault client,
// faked here by its one used method, `read(path, requestOptions)`, which rejects the way node-vault
// does (an error with `response.statusCode`, or an axios error with a socket `code`).
// Error messages differ in wording from hvac's; each test asserts the error class, the path and
// what the message must name instead.
import 'reflect-metadata';
import { AuthError, SecretNotFoundError, TransientError } from 'vaultly';
import { VaultBackend, type VaultClient, type VaultRequestOptions } from 'vaultly/vault';
import { canary } from '../helpers/canary.js';
import { rejection } from '../helpers/outcomes.js';

/** What node-vault rejects with on a non-2xx answer. */
function apiError(statusCode: number, message: string): Error {
  return Object.assign(new Error(message), { response: { statusCode, body: { errors: [message] } } });
}

/** What axios rejects with when the connection fails. */
function connectionError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:8200`), { code });
}

class FakeClient implements VaultClient {
  token: string | undefined = undefined;
  readonly calls: { path: string; token: string | undefined }[] = [];
  /** When set, every read rejects with it. */
  behavior: unknown = undefined;
  /** When set, replaces the whole read. */
  override: ((path: string) => Promise<unknown>) | undefined = undefined;

  constructor(readonly store: Record<string, Record<string, unknown>>) {}

  read(path: string, options?: VaultRequestOptions): Promise<unknown> {
    this.calls.push({ path, token: options?.headers?.['X-Vault-Token'] });
    if (this.override !== undefined) return this.override(path);
    if (this.behavior !== undefined) return Promise.reject(this.behavior);
    const secretPath = path.slice(path.indexOf('/data/') + '/data/'.length);
    const data = this.store[secretPath];
    if (data === undefined) return Promise.reject(apiError(404, ''));
    return Promise.resolve({ data: { data, metadata: {} } });
  }
}

function backendWith(store: Record<string, Record<string, unknown>> = {}, options: { mountPoint?: string; defaultKey?: string } = {}) {
  const client = new FakeClient(store);
  return { client, backend: new VaultBackend({ client, ...options }) };
}

describe('VaultBackend (test_vault.py)', () => {
  describe('happy path', () => {
    it('returns the value field by default', async () => {
      const { backend } = backendWith({ 'db/password': { value: 's3cr3t' } });
      await expect(backend.get('db/password')).resolves.toBe('s3cr3t');
    });

    it('picks a field named after a colon', async () => {
      const { backend } = backendWith({ 'db/creds': { username: 'admin', password: 's3cr3t' } });
      await expect(backend.get('db/creds:password')).resolves.toBe('s3cr3t');
      await expect(backend.get('db/creds:username')).resolves.toBe('admin');
    });

    it('strips a leading slash', async () => {
      const { backend, client } = backendWith({ 'db/password': { value: 's3cr3t' } });
      await expect(backend.get('/db/password')).resolves.toBe('s3cr3t');
      expect(client.calls.map((c) => c.path)).toEqual(['secret/data/db/password']);
    });

    it('reads from the configured mount point', async () => {
      const { backend, client } = backendWith({ x: { value: 'v' } }, { mountPoint: 'kv' });
      await backend.get('x');
      expect(client.calls.map((c) => c.path)).toEqual(['kv/data/x']);
    });

    it('reads the configured default key', async () => {
      const { backend } = backendWith({ x: { secret: 's' } }, { defaultKey: 'secret' });
      await expect(backend.get('x')).resolves.toBe('s');
    });
  });

  describe('error mapping', () => {
    it('maps a missing path (404) to SecretNotFoundError', async () => {
      const { backend } = backendWith({});
      const error = await rejection(backend.get('missing/path'));
      expect(error).toBeInstanceOf(SecretNotFoundError);
      expect((error as Error).message).toMatch(/not found/i);
      expect((error as Error).message).toContain('missing/path');
      expect((error as SecretNotFoundError).path).toBe('missing/path');
    });

    it('maps a key missing from the data to SecretNotFoundError naming the key, not the values', async () => {
      const secret = canary();
      const { backend } = backendWith({ 'db/creds': { username: secret } });
      const error = await rejection(backend.get('db/creds:password'));
      expect(error).toBeInstanceOf(SecretNotFoundError);
      expect((error as Error).message).toMatch(/no key "password"/);
      expect((error as Error).message).not.toContain(secret);
    });

    it('maps 403 to AuthError', async () => {
      const { backend, client } = backendWith({ x: { value: 'v' } });
      client.behavior = apiError(403, 'permission denied');
      const error = await rejection(backend.get('x'));
      expect(error).toBeInstanceOf(AuthError);
      expect((error as Error).message).toContain('403');
      expect((error as AuthError).path).toBe('x');
      expect((error as Error).cause).toBe(client.behavior);
    });

    it('maps 401 to AuthError', async () => {
      const { backend, client } = backendWith({ x: { value: 'v' } });
      client.behavior = apiError(401, 'bad token');
      const error = await rejection(backend.get('x'));
      expect(error).toBeInstanceOf(AuthError);
      expect((error as Error).message).toContain('401');
      // Differs: the original says "invalid or expired"; ours names the path and status.
      expect((error as Error).message).toContain('x');
    });

    it('maps a 500 to TransientError', async () => {
      const { backend, client } = backendWith({ x: { value: 'v' } });
      client.behavior = apiError(500, 'oops');
      const error = await rejection(backend.get('x'));
      expect(error).toBeInstanceOf(TransientError);
      expect((error as Error).message).toContain('500');
      expect((error as TransientError).path).toBe('x');
    });

    it('maps a connection error to TransientError', async () => {
      const { backend, client } = backendWith({ x: { value: 'v' } });
      client.behavior = connectionError('ECONNREFUSED');
      const error = await rejection(backend.get('x'));
      expect(error).toBeInstanceOf(TransientError);
      expect((error as Error).message).toContain('ECONNREFUSED');
      expect((error as Error).cause).toBe(client.behavior);
    });

    it('maps an unknown client error to TransientError', async () => {
      const { backend, client } = backendWith({ x: { value: 'v' } });
      client.behavior = new Error('weird');
      const error = await rejection(backend.get('x'));
      expect(error).toBeInstanceOf(TransientError);
      expect((error as TransientError).path).toBe('x');
      expect((error as Error).cause).toBe(client.behavior);
    });

    it('keeps the server-chosen error text out of the message', async () => {
      // Not in the original: the text of Vault's `errors` array never reaches our message.
      const secret = canary();
      const { backend, client } = backendWith({ x: { value: 'v' } });
      client.behavior = apiError(500, secret);
      const error = await rejection(backend.get('x'));
      expect(error).toBeInstanceOf(TransientError);
      expect((error as Error).message).not.toContain(secret);
    });
  });

  describe('batch', () => {
    it('reads each path of a batch', async () => {
      const { backend, client } = backendWith({ a: { value: '1' }, b: { value: '2' } });
      await expect(backend.getBatch(['a', 'b'])).resolves.toEqual({ a: '1', b: '2' });
      expect(client.calls).toHaveLength(2);
    });
  });

  describe('token renewal', () => {
    it('calls tokenFactory once on a rejected token and retries with the new token', async () => {
      const client = new FakeClient({ x: { value: 'v' } });
      client.token = 'old';
      let failFirst = true;
      client.override = () => {
        if (failFirst) {
          failFirst = false;
          return Promise.reject(apiError(401, 'expired'));
        }
        return Promise.resolve({ data: { data: { value: 'v' }, metadata: {} } });
      };
      let factoryCalls = 0;
      const backend = new VaultBackend({
        client,
        tokenFactory: () => {
          factoryCalls++;
          return 'new-token';
        },
      });
      await expect(backend.get('x')).resolves.toBe('v');
      expect(factoryCalls).toBe(1);
      expect(client.calls.map((c) => c.token)).toEqual(['old', 'new-token']);
    });

    it('maps a tokenFactory failure to AuthError', async () => {
      const client = new FakeClient({ x: { value: 'v' } });
      client.token = 'old';
      client.behavior = apiError(401, 'expired');
      const factoryError = new Error('no token for you');
      const backend = new VaultBackend({
        client,
        tokenFactory: () => {
          throw factoryError;
        },
      });
      const error = await rejection(backend.get('x'));
      expect(error).toBeInstanceOf(AuthError);
      // Differs: the original's message says "token_factory raised"; ours keeps the failure as a cause.
      expect((error as Error).message).toMatch(/token/i);
      let cause: unknown = (error as Error).cause;
      while (cause instanceof Error && cause !== factoryError && cause.cause !== undefined) cause = cause.cause;
      expect(cause).toBe(factoryError);
    });

    it('raises AuthError when Vault still rejects the renewed token', async () => {
      const client = new FakeClient({ x: { value: 'v' } });
      client.token = 'old';
      client.behavior = apiError(401, 'nope');
      let factoryCalls = 0;
      const backend = new VaultBackend({
        client,
        tokenFactory: () => {
          factoryCalls++;
          return 'still-bad';
        },
      });
      const error = await rejection(backend.get('x'));
      expect(error).toBeInstanceOf(AuthError);
      expect((error as Error).message).toMatch(/renew/i);
      expect(factoryCalls).toBe(1);
      expect(client.calls.map((c) => c.token)).toEqual(['old', 'still-bad']);
    });
  });
});
