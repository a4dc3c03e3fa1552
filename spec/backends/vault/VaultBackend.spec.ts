import { VaultBackend, type VaultClient, type VaultRequestOptions } from 'vaultly/vault';

/** A client double that answers every read with `{ data: { data } }` after `gate` resolves. */
class FakeClient implements VaultClient {
  token: string | undefined = 'client-token';
  readonly calls: { path: string; options: VaultRequestOptions | undefined }[] = [];
  inFlight = 0;
  maxInFlight = 0;

  constructor(private readonly data: Record<string, unknown> = { value: 'v' }) {}

  async read(path: string, options?: VaultRequestOptions): Promise<unknown> {
    this.calls.push({ path, options });
    this.inFlight += 1;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((resolve) => setImmediate(resolve));
    this.inFlight -= 1;
    return { data: { data: this.data } };
  }
}

describe(VaultBackend.name, () => {
  describe('get', () => {
    it('sends a fresh headers object per call with the token, namespace and extra headers', async () => {
      const client = new FakeClient();
      const backend = new VaultBackend({ client, namespace: 'ns', headers: { 'X-Trace': 'on' }, timeout: 1.5 });

      await backend.get('a');
      await backend.get('b');

      const [first, second] = client.calls;
      expect(first?.path).toBe('secret/data/a');
      expect(first?.options).toEqual({
        headers: { 'X-Trace': 'on', 'X-Vault-Token': 'client-token', 'X-Vault-Namespace': 'ns' },
        timeout: 1500,
      });
      expect(second?.options?.headers).not.toBe(first?.options?.headers);
    });

    it('lets options.token override the client\'s token', async () => {
      const client = new FakeClient();

      await new VaultBackend({ client, token: 'mine' }).get('a');

      expect(client.calls[0]?.options?.headers?.['X-Vault-Token']).toBe('mine');
      expect(client.token).toBe('client-token');
    });

    it('sends no token header when there is no token, leaving it to node-vault', async () => {
      const client = new FakeClient();
      client.token = undefined;

      await new VaultBackend({ client }).get('a');

      expect(client.calls[0]?.options?.headers).toEqual({});
    });

    it('passes no agent for a supplied client, whose transport it does not know', async () => {
      const client = new FakeClient();

      await new VaultBackend({ client }).get('a', { signal: new AbortController().signal });

      expect(client.calls[0]?.options).not.toHaveProperty('httpAgent');
      expect(client.calls[0]?.options).not.toHaveProperty('httpsAgent');
    });
  });

  describe('getBatch', () => {
    it('reads at most concurrency secret paths at once', async () => {
      const client = new FakeClient();
      const backend = new VaultBackend({ client, concurrency: 3 });

      const values = await backend.getBatch(Array.from({ length: 12 }, (_, i) => `s${i}`));

      expect(Object.keys(values)).toHaveLength(12);
      expect(client.calls).toHaveLength(12);
      expect(client.maxInFlight).toBe(3);
    });

    it('reads 8 at once by default', async () => {
      const client = new FakeClient();

      // Enough reads for the pacer's slow start (half a request more per success) to open up to 8.
      await new VaultBackend({ client }).getBatch(Array.from({ length: 40 }, (_, i) => `s${i}`));

      expect(client.maxInFlight).toBe(8);
    });
  });
});
