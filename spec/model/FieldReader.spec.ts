import { ConfigError, SecretNotLoadedError, TransientError } from 'vaultly';
import { ManualClock } from 'vaultly/testing';
import { CachePartition } from '../../lib/cache/CachePartition.js';
import { BackendCalls } from '../../lib/model/BackendCalls.js';
import type { Binding, Slot } from '../../lib/model/Slot.js';
import { ChangeListeners } from '../../lib/model/ChangeListeners.js';
import { FieldReader } from '../../lib/model/FieldReader.js';
import { SlotBinder } from '../../lib/model/SlotBinder.js';
import { SlotFetcher } from '../../lib/model/SlotFetcher.js';
import { SlotStore } from '../../lib/model/SlotStore.js';
import { ControlledBackend } from '../helpers/ControlledBackend.js';
import { fieldFor } from '../helpers/slotFor.js';

interface Setup {
  reader: FieldReader;
  backend: ControlledBackend;
  clock: ManualClock;
  partition: CachePartition;
  requested: Slot[];
  warnings: { fields: object; message: string }[];
  calls: BackendCalls;
  bind(name: string, path: string, ttl?: number): Binding;
}

function setup(values: Record<string, string>, staleOnError = false): Setup {
  const backend = new ControlledBackend(values);
  const clock = new ManualClock();
  const partition = new CachePartition(clock);
  const calls = new BackendCalls(backend, 'Model');
  const fetcher = new SlotFetcher(calls, new SlotStore(partition, new ChangeListeners({ warn: () => undefined })), 'Model');
  const requested: Slot[] = [];
  const warnings: { fields: object; message: string }[] = [];
  const binder = new SlotBinder('Model');
  const reader = new FieldReader({
    partition,
    fetcher,
    refresher: { request: (slot) => void requested.push(slot) },
    logger: { warn: (fields, message) => void warnings.push({ fields, message }) },
    staleOnError,
    name: 'Model',
    isDisposed: () => calls.aborted,
  });
  let index = 0;
  const bind = (name: string, path: string, ttl?: number): Binding => binder.bind(fieldFor(name, path, { ttl, index: index++ }), path);
  return { reader, backend, clock, partition, requested, warnings, calls, bind };
}

describe('Class: FieldReader', () => {
  describe('Method: readSync', () => {
    it('says how to load a field that never loaded, naming it and its path', () => {
      const { reader, bind, partition } = setup({ '/a': 'A' });
      const binding = bind('a', '/a', 60);
      expect(() => reader.readSync(binding)).toThrow(SecretNotLoadedError);
      expect(() => reader.readSync(binding)).toThrow(/Model\.a: secret '\/a' is not loaded yet/);
      partition.dispose();
    });

    it('refuses a ttl-0 field, which is never cached, pointing at getSecret', () => {
      const { reader, bind, partition } = setup({ '/a': 'A' });
      const binding = bind('live', '/a', 0);
      expect(() => reader.readSync(binding)).toThrow(new ConfigError("Model.live: secret '/a' has ttl 0 and is never cached; read it with await getSecret(config, 'live')"));
      partition.dispose();
    });

    it('serves an expired value and asks for a background refresh', async () => {
      const { reader, bind, clock, partition, requested } = setup({ '/a': 'A' });
      const binding = bind('a', '/a', 60);
      await reader.read(binding);
      expect(reader.readSync(binding)).toBe('A');
      expect(requested).toEqual([]);
      clock.advance(60_000);
      expect(reader.isFresh(binding)).toBe(false);
      expect(reader.readSync(binding)).toBe('A');
      expect(requested).toEqual([binding]);
      partition.dispose();
    });

    it('throws the error of the last failed refresh, unless it is transient and staleOnError is on', async () => {
      const strict = setup({ '/a': 'A' });
      const lenient = setup({ '/a': 'A' }, true);
      for (const { reader, bind, clock, partition } of [strict, lenient]) {
        const binding = bind('a', '/a', 60);
        await reader.read(binding);
        clock.advance(60_000);
        (binding as Slot).fetchState().error = new TransientError('backend down');
        if (reader === strict.reader) expect(() => reader.readSync(binding)).toThrow('backend down');
        else expect(reader.readSync(binding)).toBe('A');
        partition.dispose();
      }
    });
  });

  describe('Method: read', () => {
    it('answers a fresh field without the backend, and fetches one that is not', async () => {
      const { reader, bind, backend, partition } = setup({ '/a': 'A' });
      const binding = bind('a', '/a', 60);
      await expect(reader.read(binding)).resolves.toBe('A');
      await expect(reader.read(binding)).resolves.toBe('A');
      expect(backend.gets).toEqual([['/a', undefined]]);
      partition.dispose();
    });

    it('casts a ttl-0 field from each fetch without caching it', async () => {
      const { reader, bind, backend, partition } = setup({ '/a': 'A' });
      const binding = bind('live', '/a', 0);
      await expect(reader.read(binding)).resolves.toBe('A');
      await expect(reader.read(binding)).resolves.toBe('A');
      expect(backend.gets).toHaveLength(2);
      partition.dispose();
    });

    it('serves the stale value on a transient failure under staleOnError, logging the path and error name only', async () => {
      const { reader, bind, backend, clock, partition, warnings } = setup({ '/a': 'A' }, true);
      const binding = bind('a', '/a', 60);
      await reader.read(binding);
      clock.advance(60_000);
      backend.failWith = () => new TransientError('backend down');
      await expect(reader.read(binding)).resolves.toBe('A');
      expect(warnings).toEqual([{ fields: { path: '/a', error: 'TransientError' }, message: 'vaultly: refresh failed, serving the stale value' }]);
      partition.dispose();
    });

    it('rejects saying the model was disposed', async () => {
      const { reader, bind, calls, partition } = setup({ '/a': 'A' });
      const binding = bind('a', '/a', 60);
      calls.abort(new ConfigError('Model: the model was disposed'));
      await expect(reader.read(binding)).rejects.toThrow(new ConfigError('Model.a: the model was disposed'));
      partition.dispose();
    });
  });

  describe('Method: refresh', () => {
    it('fetches a fresh field again and resolves to the new value', async () => {
      const { reader, bind, backend, partition } = setup({ '/a': 'before' });
      const binding = bind('a', '/a', 60);
      await reader.read(binding);
      backend.values.set('/a', 'after');
      await expect(reader.refresh(binding)).resolves.toBe('after');
      expect(reader.readSync(binding)).toBe('after');
      partition.dispose();
    });
  });

  describe('Method: readWithSource', () => {
    it('returns the value with the string it came from, which changes with it', async () => {
      const { reader, bind, backend, partition } = setup({ '/a': 'before' });
      const binding = bind('a', '/a', 60);
      const first = await reader.readWithSource(binding);
      expect(first).toEqual({ value: 'before', source: 'before' });
      backend.values.set('/a', 'after');
      await reader.refresh(binding);
      const second = await reader.readWithSource(binding);
      expect(second).toEqual({ value: 'after', source: 'after' });
      partition.dispose();
    });
  });
});
