import { Backend, type BackendGetOptions } from 'vaultly';
import { BackendCalls } from '../../lib/model/BackendCalls.js';
import { slotFor } from '../helpers/slotFor.js';

/** A backend that records what it was asked, with which signal, and answers when told. */
class HeldBackend extends Backend {
  readonly asked: { path: string; options: BackendGetOptions }[] = [];
  readonly batches: { paths: readonly string[]; signal: AbortSignal | undefined }[] = [];
  readonly #waiting: ((value: string) => void)[] = [];
  /** When set, `get` throws it synchronously (a broken backend). */
  throwSync: Error | undefined;

  get(path: string, options: BackendGetOptions = {}): Promise<string> {
    if (this.throwSync !== undefined) throw this.throwSync;
    this.asked.push({ path, options });
    // Ignores the signal on purpose: abort must settle the call anyway.
    return new Promise((resolve) => this.#waiting.push(resolve));
  }

  override async getBatch(paths: readonly string[], options: { signal?: AbortSignal } = {}): Promise<Record<string, string>> {
    this.batches.push({ paths, signal: options.signal });
    return Object.fromEntries(paths.map((path) => [path, `value of ${path}`]));
  }

  answer(value: string): void {
    for (const resolve of this.#waiting.splice(0)) resolve(value);
  }
}

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('Class: BackendCalls', () => {
  describe('Method: get', () => {
    it('asks the backend for the slot path with its version, on a signal of its own per call', async () => {
      const backend = new HeldBackend();
      const calls = new BackendCalls(backend, 'Model');
      const first = calls.get(slotFor('/a', { version: 3 }));
      const second = calls.get(slotFor('/b'));
      await tick();
      expect(backend.asked.map(({ path, options }) => [path, options.version])).toEqual([
        ['/a', 3],
        ['/b', undefined],
      ]);
      expect(backend.asked[0]?.options.signal).toBeInstanceOf(AbortSignal);
      expect(backend.asked[0]?.options.signal).not.toBe(backend.asked[1]?.options.signal);
      expect(calls.inFlight).toBe(2);
      backend.answer('v');
      await expect(Promise.all([first, second])).resolves.toEqual(['v', 'v']);
      expect(calls.inFlight).toBe(0);
    });

    it('does not call the backend inside the caller: the call starts in a microtask', async () => {
      const backend = new HeldBackend();
      const calls = new BackendCalls(backend, 'Model');
      const pending = calls.get(slotFor('/a'));
      expect(backend.asked).toHaveLength(0);
      await tick();
      expect(backend.asked).toHaveLength(1);
      backend.answer('v');
      await pending;
    });

    it('turns a backend that throws synchronously into a rejection', async () => {
      const backend = new HeldBackend();
      backend.throwSync = new Error('broken backend');
      const calls = new BackendCalls(backend, 'Model');
      await expect(calls.get(slotFor('/a'))).rejects.toThrow('broken backend');
      expect(calls.inFlight).toBe(0);
    });
  });

  describe('Method: batch', () => {
    it('asks the backend for every path in one getBatch', async () => {
      const backend = new HeldBackend();
      const calls = new BackendCalls(backend, 'Model');
      await expect(calls.batch(['/a', '/b'])).resolves.toEqual({ '/a': 'value of /a', '/b': 'value of /b' });
      expect(backend.batches.map(({ paths }) => paths)).toEqual([['/a', '/b']]);
      expect(backend.batches[0]?.signal?.aborted).toBe(false);
    });
  });

  describe('Method: abort', () => {
    it('rejects the calls in flight with the reason even when the backend ignores its signal, and aborts their signals', async () => {
      const backend = new HeldBackend();
      const calls = new BackendCalls(backend, 'Model');
      const pending = calls.get(slotFor('/a'));
      await tick();
      const reason = new Error('Model: the model was disposed');
      calls.abort(reason);
      await expect(pending).rejects.toBe(reason);
      expect(backend.asked[0]?.options.signal?.aborted).toBe(true);
      expect(calls.aborted).toBe(true);
      expect(calls.inFlight).toBe(0);
    });

    it('rejects later calls with the reason without reaching the backend, and tracks none of them', async () => {
      const backend = new HeldBackend();
      const calls = new BackendCalls(backend, 'Model');
      const reason = new Error('disposed');
      calls.abort(reason);
      const late = calls.batch(['/a']);
      expect(calls.inFlight).toBe(0);
      await expect(late).rejects.toBe(reason);
      await expect(calls.get(slotFor('/b'))).rejects.toBe(reason);
      await tick();
      expect(backend.batches).toHaveLength(0);
      expect(backend.asked).toHaveLength(0);
    });
  });
});
