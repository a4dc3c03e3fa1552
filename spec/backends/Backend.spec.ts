import { Backend, SecretNotFoundError, TransientError, type BackendGetOptions } from '../../lib/index.js';

class CountingBackend extends Backend {
  inFlight = 0;
  maxInFlight = 0;
  calls: string[] = [];
  signals: AbortSignal[] = [];
  constructor(
    private readonly values: Record<string, string>,
    private readonly fail: Record<string, unknown> = {},
  ) {
    super();
  }
  async get(path: string, options: BackendGetOptions = {}): Promise<string> {
    this.calls.push(path);
    if (options.signal) this.signals.push(options.signal);
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await new Promise((r) => setTimeout(r, 1));
    this.inFlight--;
    if (path in this.fail) throw this.fail[path];
    const value = this.values[path];
    if (value === undefined) throw new SecretNotFoundError(`Secret not found: ${path}`, { path });
    return value;
  }
}

describe('Class: Backend', () => {
  describe('getBatch', () => {
    it('de-duplicates paths and returns every value', async () => {
      const backend = new CountingBackend({ '/a': 'A', '/b': 'B' });
      await expect(backend.getBatch(['/a', '/b', '/a'])).resolves.toEqual({ '/a': 'A', '/b': 'B' });
      expect(backend.calls.sort()).toEqual(['/a', '/b']);
    });

    it('bounds concurrency', async () => {
      const values = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`/k${i}`, `v${i}`]));
      const backend = new CountingBackend(values);
      await backend.getBatch(Object.keys(values));
      expect(backend.calls).toHaveLength(40);
      expect(backend.maxInFlight).toBe(8);
    });

    it('rejects with one SecretNotFoundError naming every missing path', async () => {
      const backend = new CountingBackend({ '/a': 'A' });
      const error = await backend.getBatch(['/a', '/b', '/c']).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SecretNotFoundError);
      expect((error as SecretNotFoundError).paths).toEqual(['/b', '/c']);
      expect((error as Error).message).toBe('2 secrets not found: /b, /c');
    });

    it('rejects with another failure and aborts the reads in flight', async () => {
      const failure = new TransientError('throttled', { path: '/b' });
      const values = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`/k${i}`, `v${i}`]));
      const backend = new CountingBackend(values, { '/k0': failure });
      await expect(backend.getBatch(Object.keys(values))).rejects.toBe(failure);
      expect(backend.signals.some((s) => s.aborted)).toBe(true);
      expect(backend.calls.length).toBeLessThan(20);
    });

    it('rejects at once when the caller signal is already aborted', async () => {
      const backend = new CountingBackend({ '/a': 'A' });
      await expect(backend.getBatch(['/a'], { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
      expect(backend.calls).toHaveLength(0);
    });
  });
});
