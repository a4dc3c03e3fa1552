import { ConfigError, SecretNotFoundError } from 'vaultly';
import { ManualClock } from 'vaultly/testing';
import { CachePartition } from '../../lib/cache/CachePartition.js';
import { BackendCalls } from '../../lib/model/BackendCalls.js';
import { ChangeListeners } from '../../lib/model/ChangeListeners.js';
import { SlotFetcher } from '../../lib/model/SlotFetcher.js';
import { SlotStore } from '../../lib/model/SlotStore.js';
import { ControlledBackend, flush } from '../helpers/ControlledBackend.js';
import { slotFor } from '../helpers/slotFor.js';

function fetcherWith(backend: ControlledBackend): { fetcher: SlotFetcher; calls: BackendCalls; partition: CachePartition } {
  const partition = new CachePartition(new ManualClock());
  const calls = new BackendCalls(backend, 'Model');
  const store = new SlotStore(partition, new ChangeListeners({ warn: () => undefined }));
  return { fetcher: new SlotFetcher(calls, store, 'Model'), calls, partition };
}

describe('Class: SlotFetcher', () => {
  describe('Method: load', () => {
    it('joins the fetch in flight for a key, and starts another when forced', async () => {
      const backend = new ControlledBackend({ '/a': 'one' });
      backend.hold = true;
      const { fetcher, partition } = fetcherWith(backend);
      const slot = slotFor('/a', { ttl: 60 });
      const first = fetcher.load(slot);
      expect(fetcher.load(slot)).toBe(first);
      await flush();
      expect(backend.gets).toEqual([['/a', undefined]]);
      const forced = fetcher.load(slot, true);
      expect(forced).not.toBe(first);
      await flush();
      expect(backend.gets).toHaveLength(2);
      backend.release();
      await expect(Promise.all([first, forced])).resolves.toEqual(['one', 'one']);
      expect(slot.value).toBe('one');
      await flush();
      expect(slot.fetches).toBeUndefined();
      partition.dispose();
    });

    it('keeps the newer answer when an older fetch answers last', async () => {
      const backend = new ControlledBackend();
      backend.hold = true;
      const { fetcher, partition } = fetcherWith(backend);
      const slot = slotFor('/a', { ttl: 60 });
      const older = fetcher.load(slot);
      const newer = fetcher.load(slot, true);
      await flush();
      const [olderRead, newerRead] = backend.pending.splice(0);
      newerRead?.resolve('rotated');
      await newer;
      olderRead?.resolve('before rotation');
      await older;
      expect(slot.value).toBe('rotated');
      partition.dispose();
    });

    it('records a failure on the slot and rejects with it', async () => {
      const backend = new ControlledBackend();
      const { fetcher, partition } = fetcherWith(backend);
      const slot = slotFor('/missing', { ttl: 60 });
      await expect(fetcher.load(slot)).rejects.toBeInstanceOf(SecretNotFoundError);
      expect(slot.fetches?.error).toBeInstanceOf(SecretNotFoundError);
      partition.dispose();
    });
  });

  describe('Method: fetchAll', () => {
    it('reads unversioned keys in one getBatch and versioned ones by get, storing all', async () => {
      const backend = new ControlledBackend({ '/a': 'A', '/b': 'B', '/c@2': 'C2' });
      const { fetcher, partition } = fetcherWith(backend);
      const slots = [slotFor('/a', { ttl: 60 }), slotFor('/b', { ttl: 60 }), slotFor('/c', { ttl: 60, version: 2 })];
      await fetcher.fetchAll(slots, false, undefined);
      expect(backend.batches).toEqual([['/a', '/b']]);
      expect(backend.gets).toContainEqual(['/c', 2]);
      expect(slots.map((slot) => slot.value)).toEqual(['A', 'B', 'C2']);
      partition.dispose();
    });

    it('stores nothing when a secret is missing, names every missing one, and marks only their slots', async () => {
      const backend = new ControlledBackend({ '/a': 'A' });
      const { fetcher, partition } = fetcherWith(backend);
      const [found, lost, lostVersion] = [slotFor('/a', { ttl: 60 }), slotFor('/b', { ttl: 60 }), slotFor('/c', { ttl: 60, version: 3 })];
      const error = await fetcher.fetchAll([found, lost, lostVersion], false, undefined).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SecretNotFoundError);
      expect((error as SecretNotFoundError).paths).toEqual(['/b', '/c@3']);
      expect(found.value).toBeUndefined();
      expect(found.fetches?.error).toBeUndefined();
      expect(lost.fetches?.error).toBe(error);
      expect(lostVersion.fetches?.error).toBe(error);
      partition.dispose();
    });

    it('joins a fetch in flight unless forced', async () => {
      const backend = new ControlledBackend({ '/a': 'A' });
      backend.hold = true;
      const { fetcher, partition } = fetcherWith(backend);
      const slot = slotFor('/a', { ttl: 60 });
      const single = fetcher.load(slot);
      const joined = fetcher.fetchAll([slot], false, undefined);
      await flush();
      expect(backend.batches).toEqual([]);
      backend.release();
      await Promise.all([single, joined]);
      const forced = fetcher.fetchAll([slot], true, undefined);
      await flush();
      backend.release();
      await forced;
      expect(backend.batches).toEqual([['/a']]);
      partition.dispose();
    });

    it('rejects saying the model was disposed when its calls are aborted before the answers come', async () => {
      const backend = new ControlledBackend({ '/a': 'A' });
      backend.hold = true;
      const { fetcher, calls, partition } = fetcherWith(backend);
      const loading = fetcher.fetchAll([slotFor('/a', { ttl: 60 })], false, undefined);
      await flush();
      calls.abort(new ConfigError('Model: the model was disposed'));
      await expect(loading).rejects.toThrow('Model: the model was disposed');
      backend.release();
      partition.dispose();
    });

    it('rejects when the caller aborts, leaving the fetch to finish', async () => {
      const backend = new ControlledBackend({ '/a': 'A' });
      backend.hold = true;
      const { fetcher, partition } = fetcherWith(backend);
      const slot = slotFor('/a', { ttl: 60 });
      const controller = new AbortController();
      const loading = fetcher.fetchAll([slot], false, controller.signal);
      controller.abort(new Error('caller gave up'));
      await expect(loading).rejects.toThrow('caller gave up');
      await flush();
      backend.release();
      await flush();
      expect(slot.value).toBe('A');
      partition.dispose();
    });
  });
});
