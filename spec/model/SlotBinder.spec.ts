import { ConfigError } from 'vaultly';
import { FieldBinding, Slot } from '../../lib/model/Slot.js';
import { SlotBinder } from '../../lib/model/SlotBinder.js';
import { fieldFor } from '../helpers/slotFor.js';

describe('Class: SlotBinder', () => {
  describe('Method: bind', () => {
    it('makes one slot per path, which binds its first cached field itself', () => {
      const binder = new SlotBinder('Model');
      const a = binder.bind(fieldFor('a', '/a', { ttl: 60, index: 0 }), '/a');
      const b = binder.bind(fieldFor('b', '/b', { index: 1 }), '/b');
      expect(a).toBeInstanceOf(Slot);
      expect(b).toBeInstanceOf(Slot);
      expect(binder.slots).toEqual([a, b]);
      expect((a as Slot).path).toBe('/a');
    });

    it('gives a second field on the same key a binding of its own on the same slot', () => {
      const binder = new SlotBinder('Model');
      const first = binder.bind(fieldFor('text', '/port', { ttl: 60, index: 0 }), '/port') as Slot;
      const second = binder.bind(fieldFor('port', '/port', { ttl: 60, index: 1, designType: Number }), '/port');
      expect(second).toBeInstanceOf(FieldBinding);
      expect((second as FieldBinding).slot).toBe(first);
      expect(first.bindings).toEqual([first, second]);
      expect(binder.slots).toHaveLength(1);
    });

    it('binds a ttl-0 first field with a binding of its own: its slot holds no cast value for it', () => {
      const binder = new SlotBinder('Model');
      const live = binder.bind(fieldFor('live', '/a', { ttl: 0 }), '/a');
      expect(live).toBeInstanceOf(FieldBinding);
      expect(binder.slots).toHaveLength(1);
      expect((live as FieldBinding).slot).toBe(binder.slots[0]);
    });

    it('keeps one path at different versions apart, and a literal @ in a path apart from a version', () => {
      const binder = new SlotBinder('Model');
      binder.bind(fieldFor('v1', '/x', { version: 1, index: 0 }), '/x');
      binder.bind(fieldFor('v2', '/x', { version: 2, index: 1 }), '/x');
      binder.bind(fieldFor('literal', '/x@2', { index: 2 }), '/x@2');
      expect(binder.slots.map((slot) => slot.label)).toEqual(['/x@1', '/x@2', '/x@2']);
      expect(new Set(binder.slots.map((slot) => slot.key)).size).toBe(3);
    });

    it('refuses to bind once sealed, naming the model', () => {
      const binder = new SlotBinder('Model');
      binder.bind(fieldFor('a', '/a'), '/a');
      expect(binder.seal()).toBe(binder.slots);
      expect(() => binder.bind(fieldFor('b', '/b'), '/b')).toThrow(new ConfigError('Model: fields can no longer be bound'));
    });
  });
});
