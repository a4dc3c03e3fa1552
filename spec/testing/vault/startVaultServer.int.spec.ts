import { randomUUID } from 'node:crypto';
import nodeVault from 'node-vault';
import { startVaultServer, type VaultServer } from 'vaultly/testing';
import { rejection as rejectionOf } from '../../helpers/outcomes.js';

const rejection = (promise: Promise<unknown>): Promise<ApiError> => rejectionOf<ApiError>(promise);

interface ApiError {
  message: string;
  response?: { statusCode: number; body: unknown };
  code?: string;
}

describe(startVaultServer.name, () => {
  let vault: VaultServer;
  let client: ReturnType<typeof nodeVault>;

  beforeEach(async () => {
    vault = await startVaultServer();
    client = nodeVault({ endpoint: vault.endpoint, token: vault.token });
  });

  afterEach(async () => {
    await vault.close();
  });

  describe('read', () => {
    it('answers with the body Vault sends for a KV v2 read', async () => {
      vault.put('db', { password: 'pw', port: 5432 });

      const body = (await client.read('secret/data/db')) as Record<string, unknown>;

      expect(Object.keys(body).sort()).toEqual(
        ['auth', 'data', 'lease_duration', 'lease_id', 'mount_type', 'renewable', 'request_id', 'warnings', 'wrap_info'].sort(),
      );
      expect(body).toMatchObject({
        mount_type: 'kv',
        lease_id: '',
        renewable: false,
        lease_duration: 0,
        wrap_info: null,
        warnings: null,
        auth: null,
        data: {
          data: { password: 'pw', port: 5432 },
          metadata: { custom_metadata: null, deletion_time: '', destroyed: false, version: 1 },
        },
      });
      expect(body['request_id']).toMatch(/^[0-9a-f-]{36}$/);
      const metadata = (body['data'] as { metadata: { created_time: string } }).metadata;
      expect(Number.isNaN(Date.parse(metadata.created_time))).toBe(false);
    });

    it('reads an older version with ?version=N', async () => {
      vault.put('db', { value: 'one' });
      vault.put('db', { value: 'two' });

      const old = (await client.read('secret/data/db?version=1')) as { data: { data: unknown; metadata: { version: number } } };
      const latest = (await client.read('secret/data/db')) as { data: { data: unknown; metadata: { version: number } } };

      expect(old.data).toMatchObject({ data: { value: 'one' }, metadata: { version: 1 } });
      expect(latest.data).toMatchObject({ data: { value: 'two' }, metadata: { version: 2 } });
    });

    it('answers a missing secret, or a version that never existed, with 404 {"errors":[]}', async () => {
      vault.put('db', { value: 'one' });

      const missing = await rejection(client.read('secret/data/nope'));
      const noVersion = await rejection(client.read('secret/data/db?version=7'));

      expect(missing.response).toEqual({ statusCode: 404, body: { errors: [] } });
      expect(missing.message).toBe('Status 404');
      expect(noVersion.response).toEqual({ statusCode: 404, body: { errors: [] } });
    });

    it('answers a soft-deleted version with 404, data null and its metadata, until undeleted', async () => {
      vault.put('db', { value: 'one' });
      vault.put('db', { value: 'two' });
      vault.delete('db', [1]);

      const deleted = await rejection(client.read('secret/data/db?version=1'));
      expect(deleted.response?.statusCode).toBe(404);
      expect(deleted.response?.body).toMatchObject({
        data: { data: null, metadata: { version: 1, destroyed: false, deletion_time: expect.stringMatching(/Z$/) } },
      });
      await expect(client.read('secret/data/db')).resolves.toMatchObject({ data: { data: { value: 'two' } } });

      vault.undelete('db', [1]);
      await expect(client.read('secret/data/db?version=1')).resolves.toMatchObject({ data: { data: { value: 'one' } } });
    });

    it('answers a destroyed version with 404 and destroyed: true, and undelete does not bring it back', async () => {
      vault.put('db', { value: 'one' });
      vault.destroy('db', [1]);
      vault.undelete('db', [1]);

      const destroyed = await rejection(client.read('secret/data/db'));

      expect(destroyed.response?.statusCode).toBe(404);
      expect(destroyed.response?.body).toMatchObject({ data: { data: null, metadata: { version: 1, destroyed: true } } });
    });

    it('serves percent-encoded path segments as the decoded path', async () => {
      vault.put('team a/db', { value: 'v' });

      await expect(client.read('secret/data/team%20a/db')).resolves.toMatchObject({ data: { data: { value: 'v' } } });
      expect(vault.requests.at(-1)?.path).toBe('/v1/secret/data/team%20a/db');
    });

    it('serves several mounts, the longest matching mount first', async () => {
      await vault.close();
      vault = await startVaultServer({ mounts: ['kv', 'kv/team'], secrets: { db: { value: 'in kv' } } });
      client = nodeVault({ endpoint: vault.endpoint, token: vault.token });
      vault.put('db', { value: 'in kv/team' }, { mount: 'kv/team' });

      await expect(client.read('kv/data/db')).resolves.toMatchObject({ data: { data: { value: 'in kv' } } });
      await expect(client.read('kv/team/data/db')).resolves.toMatchObject({ data: { data: { value: 'in kv/team' } } });
      const unmounted = await rejection(client.read('other/data/db'));
      expect(unmounted.response?.statusCode).toBe(404);
      expect(unmounted.message).toContain('no handler for route');
    });
  });

  describe('write', () => {
    it('stores each write as a new version and answers with its metadata', async () => {
      const first = (await client.write('secret/data/app', { data: { value: 'a' } })) as { data: { version: number } };
      const second = (await client.write('secret/data/app', { data: { value: 'b' } })) as Record<string, unknown>;

      expect(first.data.version).toBe(1);
      expect(second).toMatchObject({
        lease_id: '',
        data: { version: 2, destroyed: false, deletion_time: '', custom_metadata: null },
        auth: null,
      });
      await expect(client.read('secret/data/app')).resolves.toMatchObject({ data: { data: { value: 'b' } } });
    });

    it('rejects a write whose cas does not match the current version with 400', async () => {
      vault.put('app', { value: 'a' });

      const conflict = await rejection(client.write('secret/data/app', { data: { value: 'b' }, options: { cas: 0 } }));
      await client.write('secret/data/app', { data: { value: 'c' }, options: { cas: 1 } });

      expect(conflict.response).toEqual({
        statusCode: 400,
        body: { errors: ['check-and-set parameter did not match the current version'] },
      });
      await expect(client.read('secret/data/app')).resolves.toMatchObject({ data: { data: { value: 'c' }, metadata: { version: 2 } } });
      expect(() => vault.put('app', { value: 'd' }, { cas: 1 })).toThrow(/check-and-set/);
    });

    it('rejects a write without data with 400 "no data provided"', async () => {
      const error = await rejection(client.write('secret/data/app', { options: {} }));

      expect(error.response).toEqual({ statusCode: 400, body: { errors: ['no data provided'] } });
    });
  });

  describe('delete, undelete and destroy over HTTP', () => {
    it('soft-deletes the latest version with DELETE data/:path', async () => {
      vault.put('app', { value: 'a' });

      await client.delete('secret/data/app');

      expect((await rejection(client.read('secret/data/app'))).response?.statusCode).toBe(404);
    });

    it('deletes, undeletes and destroys the listed versions', async () => {
      vault.put('app', { value: 'a' });
      vault.put('app', { value: 'b' });

      await client.write('secret/delete/app', { versions: [2] });
      expect((await rejection(client.read('secret/data/app'))).response?.statusCode).toBe(404);
      await client.write('secret/undelete/app', { versions: [2] });
      await expect(client.read('secret/data/app')).resolves.toMatchObject({ data: { data: { value: 'b' } } });
      await client.write('secret/destroy/app', { versions: [1] });
      const destroyed = await rejection(client.read('secret/data/app?version=1'));
      expect(destroyed.response?.body).toMatchObject({ data: { metadata: { destroyed: true } } });
    });

    it('rejects a delete without versions with 400', async () => {
      vault.put('app', { value: 'a' });

      const error = await rejection(client.write('secret/delete/app', {}));

      expect(error.response).toEqual({ statusCode: 400, body: { errors: ['no version number provided'] } });
    });
  });

  describe('metadata', () => {
    it('reads the metadata of every version', async () => {
      vault.put('app', { value: 'a' });
      vault.put('app', { value: 'b' });
      vault.delete('app', [1]);

      const body = (await client.read('secret/metadata/app')) as { data: Record<string, unknown> };

      expect(body.data).toMatchObject({
        current_version: 2,
        oldest_version: 0,
        max_versions: 0,
        cas_required: false,
        versions: {
          '1': { destroyed: false, deletion_time: expect.stringMatching(/Z$/) },
          '2': { destroyed: false, deletion_time: '' },
        },
      });
    });

    it('lists keys with ?list=true, folders with a trailing slash', async () => {
      vault.put('app/db', { value: 'a' });
      vault.put('app/api/key', { value: 'b' });
      vault.put('top', { value: 'c' });
      const listing = nodeVault({ endpoint: vault.endpoint, token: vault.token, noCustomHTTPVerbs: true });

      await expect(listing.list('secret/metadata/')).resolves.toMatchObject({ data: { keys: ['app/', 'top'] } });
      await expect(client.read('secret/metadata/app?list=true')).resolves.toMatchObject({ data: { keys: ['api/', 'db'] } });
      expect((await rejection(client.read('secret/metadata/none/?list=true'))).response).toEqual({
        statusCode: 404,
        body: { errors: [] },
      });
    });

    it('forgets every version with DELETE metadata/:path', async () => {
      vault.put('app', { value: 'a' });

      await client.delete('secret/metadata/app');

      expect((await rejection(client.read('secret/metadata/app'))).response?.statusCode).toBe(404);
      expect((await rejection(client.read('secret/data/app'))).response?.statusCode).toBe(404);
    });
  });

  describe('tokens', () => {
    it('answers a request with an unknown or missing token with 403 "permission denied"', async () => {
      vault.put('db', { value: 'v' });
      const stranger = nodeVault({ endpoint: vault.endpoint, token: 'not-a-token' });

      const error = await rejection(stranger.read('secret/data/db'));

      expect(error.response).toEqual({ statusCode: 403, body: { errors: ['permission denied'] } });
      expect(error.message).toBe('permission denied');
    });

    it('accepts a token added with uses N exactly N times', async () => {
      vault.put('db', { value: 'v' });
      vault.addToken('short', { uses: 2 });
      const short = nodeVault({ endpoint: vault.endpoint, token: 'short' });

      await short.read('secret/data/db');
      await short.read('secret/data/db');
      const error = await rejection(short.read('secret/data/db'));

      expect(error.response?.statusCode).toBe(403);
    });

    it('rejects a revoked token', async () => {
      vault.put('db', { value: 'v' });
      vault.addToken('temp');
      const temp = nodeVault({ endpoint: vault.endpoint, token: 'temp' });
      await temp.read('secret/data/db');

      vault.revokeToken('temp');

      expect((await rejection(temp.read('secret/data/db'))).response?.statusCode).toBe(403);
    });

    it('answers sys/health without a token', async () => {
      const anonymous = nodeVault({ endpoint: vault.endpoint, token: 'nobody' });

      await expect(anonymous.health()).resolves.toMatchObject({ initialized: true, sealed: false });
    });
  });

  describe('namespaces', () => {
    it('scopes secrets to the X-Vault-Namespace header', async () => {
      vault.put('db', { value: 'root' });
      vault.put('db', { value: 'team' }, { namespace: 'team-a' });
      const team = nodeVault({ endpoint: vault.endpoint, token: vault.token, namespace: 'team-a' });
      const other = nodeVault({ endpoint: vault.endpoint, token: vault.token, namespace: 'team-b' });

      await expect(team.read('secret/data/db')).resolves.toMatchObject({ data: { data: { value: 'team' } } });
      await expect(client.read('secret/data/db')).resolves.toMatchObject({ data: { data: { value: 'root' } } });
      expect((await rejection(other.read('secret/data/db'))).response?.statusCode).toBe(404);
      expect(vault.requests.map((r) => r.namespace)).toEqual(['team-a', undefined, 'team-b']);
    });
  });

  describe('faults.failNext', () => {
    beforeEach(() => {
      vault.put('db', { value: 'v' });
    });

    it.each([
      ['error', 500, 'internal error'],
      ['throttle', 429, 'rate limit quota exceeded'],
      ['sealed', 503, 'Vault is sealed'],
      ['credentials', 403, 'permission denied'],
    ] as const)('answers %s with %i and Vault\'s errors body, once', async (fault, status, message) => {
      vault.faults.failNext(fault);

      const error = await rejection(client.read('secret/data/db'));

      expect(error.response).toEqual({ statusCode: status, body: { errors: [message] } });
      await expect(client.read('secret/data/db')).resolves.toMatchObject({ data: { data: { value: 'v' } } });
    });

    it('answers a custom status such as 412 for the given number of requests', async () => {
      vault.faults.failNext('error', { status: 412, message: 'required index state not present', times: 2 });

      const first = await rejection(client.read('secret/data/db'));
      const second = await rejection(client.read('secret/data/db'));

      expect(first.response).toEqual({ statusCode: 412, body: { errors: ['required index state not present'] } });
      expect(second.response?.statusCode).toBe(412);
      await expect(client.read('secret/data/db')).resolves.toBeDefined();
    });

    it('fails only the requests that match', async () => {
      vault.put('other', { value: 'o' });
      vault.faults.failNext('error', { match: (r) => r.path.endsWith('/other') });

      await expect(client.read('secret/data/db')).resolves.toBeDefined();
      expect((await rejection(client.read('secret/data/other'))).response?.statusCode).toBe(500);
    });

    it('resets the connection', async () => {
      vault.faults.failNext('reset');

      const error = await rejection(client.read('secret/data/db'));

      expect(error.response).toBeUndefined();
      expect(error.code).toBe('ECONNRESET');
    });

    it('leaves a request hanging until the client times out', async () => {
      vault.faults.failNext('hang');

      const error = await rejection(client.read('secret/data/db', { timeout: 50 }));

      expect(error.code).toBe('ECONNABORTED');
      expect(vault.requests).toHaveLength(1);
    });

    it('cuts the real answer in half, or sends the body given with 200', async () => {
      vault.faults.failNext('malformed').failNext('malformed', { body: '<html>' });

      const cut = await fetch(`${vault.endpoint}/v1/secret/data/db`, { headers: { 'X-Vault-Token': vault.token } });
      const given = await fetch(`${vault.endpoint}/v1/secret/data/db`, { headers: { 'X-Vault-Token': vault.token } });

      expect(cut.status).toBe(200);
      const text = await cut.text();
      expect(text).toMatch(/^\{"request_id"/);
      expect(() => JSON.parse(text)).toThrow();
      expect([given.status, await given.text()]).toEqual([200, '<html>']);
    });

    it('is dropped by faults.clear()', async () => {
      vault.faults.failNext('sealed', { times: Number.POSITIVE_INFINITY });

      vault.faults.clear();

      await expect(client.read('secret/data/db')).resolves.toBeDefined();
    });

    it('rejects a times that is not a positive integer', () => {
      expect(() => vault.faults.failNext('sealed', { times: 0 })).toThrow(TypeError);
      expect(() => vault.faults.failNext('internal-error' as 'error')).toThrow(/kind must be one of .*'sealed', got 'internal-error'/);
    });
  });

  describe('faults.setLatency', () => {
    it('delays responses, in milliseconds, past a client timeout, and 0 removes the delay', async () => {
      vault.put('db', { value: 'v' });
      vault.faults.setLatency(200);

      const error = await rejection(client.read('secret/data/db', { timeout: 20 }));
      vault.faults.setLatency(0);

      expect(error.code).toBe('ECONNABORTED');
      await expect(client.read('secret/data/db', { timeout: 1000 })).resolves.toBeDefined();
    });

    it('rejects a negative latency', async () => {
      expect(() => vault.faults.setLatency(-1)).toThrow(TypeError);
      await expect(startVaultServer({ latencyMs: Number.NaN })).rejects.toThrow(/latencyMs/);
    });

    it("refuses 0.1's latency option in seconds, naming latencyMs", async () => {
      await expect(startVaultServer({ latency: 0.2 } as never)).rejects.toThrow('options.latency (seconds) was replaced by options.latencyMs (milliseconds)');
    });
  });

  describe('requests', () => {
    it('logs method, path, query, op, token and namespace, but no values', async () => {
      const canary = `CANARY-${randomUUID()}`;
      const before = Date.now();
      await client.write('secret/data/app', { data: { value: canary } });
      await client.read('secret/data/app?version=1');
      await client.read('secret/metadata/?list=true');

      expect(vault.requests).toEqual([
        { at: expect.any(Date), method: 'POST', path: '/v1/secret/data/app', query: {}, op: 'write', token: vault.token, namespace: undefined, fault: undefined, throttled: false },
        { at: expect.any(Date), method: 'GET', path: '/v1/secret/data/app', query: { version: '1' }, op: 'read', token: vault.token, namespace: undefined, fault: undefined, throttled: false },
        { at: expect.any(Date), method: 'GET', path: '/v1/secret/metadata/', query: { list: 'true' }, op: 'list', token: vault.token, namespace: undefined, fault: undefined, throttled: false },
      ]);
      expect(vault.requests.every((r) => r.at.getTime() >= before)).toBe(true);
      expect(vault.requestCount('read')).toBe(1);
      expect(vault.requestCount((r) => r.method === 'GET')).toBe(2);
      expect(JSON.stringify(vault.requests)).not.toContain(canary);
      vault.clearRequests();
      expect(vault.requests).toEqual([]);
    });
  });

  describe('close', () => {
    it('destroys hanging connections and resolves', async () => {
      vault.put('db', { value: 'v' });
      vault.faults.failNext('hang');
      const pending = rejection(client.read('secret/data/db'));
      await waitFor(() => vault.requests.length === 1);
      expect(vault.openConnections).toBe(1);

      await vault.close();

      expect((await pending).code).toBe('ECONNRESET');
      expect(vault.openConnections).toBe(0);
    });
  });
});

async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 200 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 5));
  if (!condition()) throw new Error('condition not met');
}
