import type { CachePartition } from '../cache/CachePartition.js';
import type { BoundField, Slot } from './Slot.js';
import { castValue } from './cast.js';
import type { ChangeListeners } from './ChangeListeners.js';
import { notifyChange } from './notifyChange.js';
import { sameSource, valueDigest } from './valueDigest.js';

/** Where a slot's fresh value is written through as an own property (the root's runtime). */
export interface SlotMirrors {
  showSlot(slot: Slot): void;
}

/** For a store whose slots write nothing through. */
const NO_MIRRORS: SlotMirrors = { showSlot: () => undefined };

/**
 * Stores fetched values into a root model's slots: every field casts or nothing is stored, a
 * fetch older than the newest one stored is dropped, and a value that differs from the one it
 * replaces notifies the `onChange` listeners and the `vaultly:change` channel.
 */
export class SlotStore {
  readonly #partition: CachePartition;
  readonly #changes: ChangeListeners;
  readonly #mirrors: SlotMirrors;

  constructor(partition: CachePartition, changes: ChangeListeners, mirrors: SlotMirrors = NO_MIRRORS) {
    this.#partition = partition;
    this.#changes = changes;
    this.#mirrors = mirrors;
  }

  /**
   * Casts every field of every slot first; stores only when all succeeded. A slot whose fetch
   * (by `sequences`) is older than the newest stored one is skipped: its value is out of date.
   * Every slot's ttl is shortened by the same jitter `factor`.
   */
  commit(all: readonly (readonly [Slot, string])[], sequences: readonly number[], factor = this.#partition.expiryFactor()): void {
    if (this.#partition.disposed) return;
    const isNewer = (slot: Slot, i: number): boolean => (sequences[i] as number) > slot.fetchState().committed;
    const newer = all.map(([slot], i) => isNewer(slot, i));
    const loaded = all.filter((_, i) => newer[i]);
    const loadedSequences = sequences.filter((_, i) => newer[i]);
    // What each loaded slot's entry will hold (its first field's cast value, or the raw string
    // when that field has ttl 0), and the cast values of the slots' other cached fields.
    const stored: unknown[] = [];
    const others: [BoundField, unknown][] = [];
    const cast = (binding: BoundField, slot: Slot, raw: string): unknown => {
      const { spec, label } = binding.field;
      return castValue(raw, spec.designType, spec.transform, label, slot.path);
    };
    try {
      for (const [slot, raw] of loaded) {
        stored.push(slot.bindsField ? cast(slot, slot, raw) : raw);
        for (const other of slot.others ?? []) if (other.field.spec.ttl !== 0) others.push([other, cast(other, slot, raw)]);
      }
    } catch (error) {
      loadedSequences.forEach((sequence, i) => (loaded[i] as readonly [Slot, string])[0].fetchState().fail(sequence, error));
      throw error;
    }
    all.forEach(([slot], i) => {
      const fetches = slot.fetchState();
      fetches.committed = Math.max(fetches.committed, sequences[i] as number);
    });
    const changed: Slot[] = [];
    loaded.forEach(([slot, raw], i) => {
      slot.fetchState().error = undefined;
      if (recordSource(slot, raw) && slot.cacheable) changed.push(slot);
      // One jitter draw for all: what is loaded together expires, and refreshes, together.
      if (slot.cacheable) this.#partition.store(slot, stored[i], slot.ttl, factor);
    });
    for (const [binding, value] of others) binding.value = value;
    // Fresh now: written through as own properties of the instances, for the warm read.
    for (const [slot] of loaded) if (slot.bindsField) this.#mirrors.showSlot(slot);
    for (const [binding] of others) binding.mirror?.show(binding);
    // Last, so that a listener reading the field sees the new value.
    for (const slot of changed) this.#changed(slot);
  }

  /** One change event per field bound to a slot whose stored value changed. */
  #changed(slot: Slot): void {
    for (const binding of slot.bindings) {
      const { owner, spec } = binding.field;
      notifyChange(this.#changes, binding, { model: owner, field: spec.name, path: slot.path, version: slot.version });
    }
  }
}

/**
 * Records what a slot's new value comes from (see `Slot.source`); true when it replaces a
 * different one (a first load, with nothing before, is not a change). The strings themselves are
 * compared, or digests where the previous string is gone.
 */
function recordSource(slot: Slot, raw: string): boolean {
  const before = slot.source;
  // A key that caches nothing keeps no secret: only its digest.
  slot.source = slot.cacheable ? raw : valueDigest(raw);
  return before !== undefined && !sameSource(before, raw);
}
