import { CachePartition } from '../../lib/cache/CachePartition.js';
import { EntryState } from '../../lib/cache/CacheEntry.js';
import { ConfigError } from 'vaultly';
import { ManualClock } from 'vaultly/testing';
import type { ChangeEvent } from '../../lib/model/ChangeEvent.js';
import { ChangeListeners } from '../../lib/model/ChangeListeners.js';
import { FieldBinding } from '../../lib/model/Slot.js';
import { SlotStore } from '../../lib/model/SlotStore.js';
import { fieldFor, slotFor } from '../helpers/slotFor.js';

const quiet = { warn: () => undefined };

function storeWith(clock = new ManualClock()): { store: SlotStore; partition: CachePartition; events: ChangeEvent[] } {
  const partition = new CachePartition(clock);
  const changes = new ChangeListeners(quiet);
  const events: ChangeEvent[] = [];
  changes.add((event) => void events.push(event), undefined);
  return { store: new SlotStore(partition, changes), partition, events };
}

describe('Class: SlotStore', () => {
  describe('Method: commit', () => {
    it('stores each slot fresh for its ttl and casts every field bound to it', () => {
      const clock = new ManualClock();
      const { store, partition } = storeWith(clock);
      const slot = slotFor('/port', { ttl: 60 });
      const asNumber = new FieldBinding(fieldFor('port', '/port', { ttl: 60, designType: Number, index: 1 }), slot);
      slot.addField(asNumber);
      store.commit([[slot, '5432']], [++slot.fetchState().started], 1);
      expect(slot.state).toBe(EntryState.Fresh);
      expect(slot.value).toBe('5432');
      expect(asNumber.value).toBe(5432);
      expect(partition.isFresh(slot)).toBe(true);
      clock.advance(60_000);
      expect(partition.isFresh(slot)).toBe(false);
      partition.dispose();
    });

    it('stores nothing when one field of one slot does not cast, and records the error on every slot', () => {
      const { store, partition } = storeWith();
      const text = slotFor('/text', { ttl: 60 });
      const port = slotFor('/port', { ttl: 60, designType: Number });
      const sequences = [++text.fetchState().started, ++port.fetchState().started];
      expect(() => store.commit([[text, 'fine'], [port, 'not a number']], sequences, 1)).toThrow(ConfigError);
      expect([text.state, port.state]).toEqual([EntryState.Empty, EntryState.Empty]);
      expect(text.value).toBeUndefined();
      expect(text.fetches?.error).toBeInstanceOf(ConfigError);
      expect(port.fetches?.error).toBe(text.fetches?.error);
      partition.dispose();
    });

    it('drops the value of a fetch that started before the newest one stored', () => {
      const { store, partition } = storeWith();
      const slot = slotFor('/a', { ttl: 60 });
      const older = ++slot.fetchState().started;
      const newer = ++slot.fetchState().started;
      store.commit([[slot, 'new']], [newer], 1);
      store.commit([[slot, 'old']], [older], 1);
      expect(slot.value).toBe('new');
      expect(slot.fetches?.committed).toBe(newer);
      partition.dispose();
    });

    it('reports a change only when a stored value is replaced by a different one', () => {
      const { store, partition, events } = storeWith();
      const slot = slotFor('/a', { ttl: 60 });
      const commit = (raw: string): void => store.commit([[slot, raw]], [++slot.fetchState().started], 1);
      commit('one');
      commit('one');
      expect(events).toEqual([]);
      commit('two');
      expect(events).toEqual([{ model: 'Model', field: 'a', path: '/a', version: undefined }]);
      partition.dispose();
    });

    it('stores nothing once the partition is disposed', () => {
      const { store, partition } = storeWith();
      const slot = slotFor('/a', { ttl: 60 });
      partition.dispose();
      store.commit([[slot, 'late']], [++slot.fetchState().started], 1);
      expect(slot.state).toBe(EntryState.Empty);
      expect(slot.value).toBeUndefined();
    });
  });
});
