import nodeVault from 'node-vault';
import { startVaultServer, type VaultServer } from 'vaultly/testing';
import { rejection as rejectionOf } from '../../helpers/outcomes.js';

interface ApiError {
  message: string;
  response?: { statusCode: number; body: Record<string, unknown> };
}

const rejection = (promise: Promise<unknown>): Promise<ApiError> => rejectionOf<ApiError>(promise);

// What Vault's kv plugin (pathInvalid) answers for a v1-style path on a v2 mount.
const invalidPath = (subCommand: string): string =>
  `Invalid path for a versioned K/V secrets engine. See the API docs for the appropriate API endpoints to use. If using the Vault CLI, use 'vault kv ${subCommand}' for this operation.`;

describe('startVaultServer answers like Vault (issue #11)', () => {
  let vault: VaultServer;
  let client: ReturnType<typeof nodeVault>;

  beforeEach(async () => {
    vault = await startVaultServer({ secrets: { db: { user: 'app', password: 'pw', opts: { ssl: true, pool: 5 } } } });
    client = nodeVault({ endpoint: vault.endpoint, token: vault.token });
  });

  afterEach(async () => {
    await vault.close();
  });

  describe('mount_type', () => {
    it('is on every JSON answer of the KV mount: read, write, metadata, list and a deleted version', async () => {
      const answers = [
        await client.read('secret/data/db'),
        await client.write('secret/data/other', { data: { value: 'v' } }),
        await client.read('secret/metadata/db'),
        await client.read('secret/metadata/?list=true'),
      ] as Record<string, unknown>[];
      vault.delete('db');
      answers.push((await rejection(client.read('secret/data/db'))).response?.body ?? {});

      expect(answers.map((a) => a['mount_type'])).toEqual(['kv', 'kv', 'kv', 'kv', 'kv']);
    });
  });

  describe('KV v1-style paths', () => {
    it.each([
      ['GET', 'get'],
      ['POST', 'put'],
      ['DELETE', 'delete'],
    ])('answers %s secret/db with 404 and the "Invalid path for a versioned K/V secrets engine" warning', async (method, subCommand) => {
      const response = await fetch(`${vault.endpoint}/v1/secret/db`, {
        method,
        headers: { 'X-Vault-Token': vault.token, 'Content-Type': 'application/json' },
        ...(method === 'POST' ? { body: JSON.stringify({ value: 'v' }) } : {}),
      });

      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ data: null, warnings: [invalidPath(subCommand)], mount_type: 'kv' });
    });

    it('reaches node-vault as a 404', async () => {
      const error = await rejection(client.read('secret/db'));

      expect(error.response?.statusCode).toBe(404);
      expect(error.response?.body['warnings']).toEqual([invalidPath('get')]);
    });
  });

  describe('PATCH data/:path (node-vault update)', () => {
    it('merges the patch into the current version as a new version, null removing a key', async () => {
      const answer = (await client.update('secret/data/db', { data: { password: 'rotated', user: null, opts: { pool: 10 } } })) as {
        data: { version: number };
      };

      expect(answer.data.version).toBe(2);
      const read = (await client.read('secret/data/db')) as { data: { data: unknown } };
      expect(read.data.data).toEqual({ password: 'rotated', opts: { ssl: true, pool: 10 } });
      expect(vault.requests.at(-2)).toMatchObject({ method: 'PATCH', op: 'patch' });
    });

    it('honours cas, and answers 404 for a secret that is missing or deleted', async () => {
      const mismatch = await rejection(client.update('secret/data/db', { data: { a: 1 }, options: { cas: 7 } }));
      expect(mismatch.response?.statusCode).toBe(400);

      expect((await rejection(client.update('secret/data/nope', { data: { a: 1 } }))).response?.statusCode).toBe(404);
      vault.delete('db');
      expect((await rejection(client.update('secret/data/db', { data: { a: 1 } }))).response?.statusCode).toBe(404);
    });

    it('requires Content-Type application/merge-patch+json, as Vault does', async () => {
      const response = await fetch(`${vault.endpoint}/v1/secret/data/db`, {
        method: 'PATCH',
        headers: { 'X-Vault-Token': vault.token, 'Content-Type': 'application/json' },
        body: JSON.stringify({ data: { a: 1 } }),
      });

      expect(response.status).toBe(415);
      expect(await response.json()).toEqual({ errors: ['PATCH requires Content-Type of application/merge-patch+json, provided application/json'] });
    });
  });

  describe('auth/token/lookup-self', () => {
    it('answers for a valid token with its properties', async () => {
      vault.addToken('app-token', { uses: 5 });

      const root = (await client.tokenLookupSelf()) as { data: Record<string, unknown>; mount_type: string };
      const app = (await nodeVault({ endpoint: vault.endpoint, token: 'app-token' }).tokenLookupSelf()) as { data: Record<string, unknown> };

      expect(root.mount_type).toBe('token');
      expect(root.data).toMatchObject({ id: vault.token, policies: ['root'], path: 'auth/token/root', num_uses: 0, ttl: 0, type: 'service' });
      expect(app.data).toMatchObject({ id: 'app-token', policies: ['default'], num_uses: 4 });
    });

    it('answers an unknown token with 403 permission denied', async () => {
      const error = await rejection(nodeVault({ endpoint: vault.endpoint, token: 'nope' }).tokenLookupSelf());

      expect(error.response).toEqual({ statusCode: 403, body: { errors: ['permission denied'] } });
    });
  });
});
