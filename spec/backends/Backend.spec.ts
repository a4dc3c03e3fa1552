import { inspect } from 'node:util';

import { AuthError, Backend, PartialBatchError, SecretNotFoundError, TransientError, type BackendGetOptions } from 'vaultly';
import { canary } from '../helpers/canary.js';
import { rejection } from '../helpers/outcomes.js';

/** `secret` appears in no rendering of `error`: message, stack, inspect (hidden fields too), JSON, String. */
function expectHidden(secret: string, error: Error): void {
  const renderings = [
    error.message,
    String(error.stack),
    String(error),
    inspect(error, { showHidden: true, depth: Infinity, getters: true }),
    JSON.stringify(error),
    JSON.stringify(Object.getOwnPropertyDescriptors(error), (_k, v: unknown) => (typeof v === 'symbol' ? String(v) : v)),
  ];
  for (const text of renderings) expect(text).not.toContain(secret);
}

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
      const failure = new AuthError('denied', { path: '/k0' });
      const values = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`/k${i}`, `v${i}`]));
      const backend = new CountingBackend(values, { '/k0': failure });
      await expect(backend.getBatch(Object.keys(values))).rejects.toBe(failure);
      expect(backend.signals.some((s) => s.aborted)).toBe(true);
      expect(backend.calls.length).toBeLessThan(20);
    });

    it('reads on past a TransientError and rejects with a PartialBatchError owing only the failed paths', async () => {
      const failure = new TransientError('throttled', { path: '/k3' });
      const secret = canary('k5');
      const values = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`/k${i}`, i === 5 ? secret : `v${i}`]));
      delete values['/k7'];
      const backend = new CountingBackend(values, { '/k3': failure, '/k9': failure });
      const error = await rejection(backend.getBatch([...Object.keys(values), '/k7']));
      expect(error).toBeInstanceOf(PartialBatchError);
      expect(error).toBeInstanceOf(TransientError);
      const partial = error as PartialBatchError;
      expect(partial.owed).toEqual([
        { paths: ['/k3'], error: failure },
        { paths: ['/k9'], error: failure },
      ]);
      expect(partial.owedPaths).toEqual(['/k3', '/k9']);
      expect(partial.missing).toEqual(['/k7']);
      expect(partial.cause).toBe(failure);
      expect(partial.message).toBe('Read 17 of 20 secrets; 2 still owed (/k3, /k9)');
      const fetched = PartialBatchError.fetchedValues(partial);
      expect(Object.keys(fetched)).toHaveLength(17);
      expect(fetched['/k5']).toBe(secret);
      expect(backend.calls).toHaveLength(20);
      expect(backend.signals.some((s) => s.aborted)).toBe(false);
      expectHidden(secret, partial);
    });

    it('rejects at once when the caller signal is already aborted', async () => {
      const backend = new CountingBackend({ '/a': 'A' });
      await expect(backend.getBatch(['/a'], { signal: AbortSignal.abort() })).rejects.toMatchObject({ name: 'AbortError' });
      expect(backend.calls).toHaveLength(0);
    });
  });
});
