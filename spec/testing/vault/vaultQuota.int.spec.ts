import nodeVault from 'node-vault';
import { startVaultServer, type VaultServer } from 'vaultly/testing';
import { rejection } from '../../helpers/outcomes.js';

interface ApiError {
  response?: { statusCode: number; body: unknown };
}

describe('startVaultServer quota (issue #12)', () => {
  let now: number;
  let vault: VaultServer;

  beforeEach(async () => {
    now = 0;
    vault = await startVaultServer({ secrets: { db: { value: 'v' } }, quota: { rate: 1, burst: 2, now: () => now } });
  });

  afterEach(async () => {
    await vault.close();
  });

  it('answers requests beyond the burst with 429 and the request path, as Vault does, for every client', async () => {
    const a = nodeVault({ endpoint: vault.endpoint, token: vault.token });
    const b = nodeVault({ endpoint: vault.endpoint, token: vault.token });
    await a.read('secret/data/db');
    await b.read('secret/data/db');

    const error = (await rejection(a.read('secret/data/db'))) as ApiError;

    expect(error.response).toEqual({ statusCode: 429, body: { errors: ['request path "secret/data/db": rate limit quota exceeded'] } });
    expect(vault.requests.map((r) => r.throttled)).toEqual([false, false, true]);
  });

  it('sends Retry-After in seconds, and refills on the injected clock', async () => {
    const read = (): Promise<Response> => fetch(`${vault.endpoint}/v1/secret/data/db`, { headers: { 'X-Vault-Token': vault.token } });
    await read();
    await read();

    const throttled = await read();
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get('retry-after')).toBe('1');

    now += 1000;
    expect((await read()).status).toBe(200);
    expect((await read()).status).toBe(429);
  });

  it('never counts sys/health, as Vault exempts it', async () => {
    for (let i = 0; i < 5; i++) expect((await fetch(`${vault.endpoint}/v1/sys/health`)).status).toBe(200);
    await expect(nodeVault({ endpoint: vault.endpoint, token: vault.token }).read('secret/data/db')).resolves.toBeDefined();
  });

  it('spends no token use on a throttled request', async () => {
    vault.addToken('once', { uses: 1 });
    const client = nodeVault({ endpoint: vault.endpoint, token: 'once' });
    await fetch(`${vault.endpoint}/v1/sys/health`);
    vault.put('other', { value: 'o' });
    await nodeVault({ endpoint: vault.endpoint, token: vault.token }).read('secret/data/db');
    await nodeVault({ endpoint: vault.endpoint, token: vault.token }).read('secret/data/db');
    expect(((await rejection(client.read('secret/data/other'))) as ApiError).response?.statusCode).toBe(429);

    now += 1000;

    await expect(client.read('secret/data/other')).resolves.toBeDefined();
  });
});
