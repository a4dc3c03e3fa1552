import type { CachePartition } from '../cache/CachePartition.js';
import { EntryState } from '../cache/CacheEntry.js';
import type { BoundField, Slot } from './Slot.js';
import { castValue } from './cast.js';
import type { ChangeListeners } from './ChangeListeners.js';
import { notifyChange } from './notifyChange.js';
import { valueDigest } from './valueDigest.js';

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
    const loaded = all.filter(([slot], i) => isNewer(slot, i));
    const loadedSequences = sequences.filter((_, i) => isNewer((all[i] as readonly [Slot, string])[0], i));
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
      if (recordDigest(slot, raw) && slot.cacheable) changed.push(slot);
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

  /**
   * Stores the cast values another root holds for the same fields of the same key (see
   * `ModelRuntime.lend`), one per binding of `slot` in `slot.bindings` order, with that root's
   * digest of the raw value they came from: no cast, and a value differing from the one it
   * replaces is a change as after a fetch. Skipped when a newer fetch was stored first.
   */
  commitLent(slot: Slot, values: readonly unknown[], digest: number | undefined, sequence: number, factor: number): void {
    if (this.#partition.disposed) return;
    const fetches = slot.fetchState();
    if (sequence <= fetches.committed) return;
    fetches.committed = sequence;
    fetches.error = undefined;
    const before = slot.digest;
    slot.digest = digest;
    this.#partition.store(slot, values[0], slot.ttl, factor);
    slot.others?.forEach((other, i) => (other.value = values[i + 1]));
    this.#mirrors.showSlot(slot);
    for (const other of slot.others ?? []) other.mirror?.show(other);
    if (before !== undefined && before !== digest) this.#changed(slot);
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
 * Records the digest of the value a slot is about to hold; true when it replaces a different one
 * (a first load, with no digest yet, is not a change). Called before the store: while the slot
 * still holds the previous raw string (a String field without transform, or a slot whose first
 * field has ttl 0), the strings themselves are compared.
 */
function recordDigest(slot: Slot, raw: string): boolean {
  const before = slot.digest;
  slot.digest = valueDigest(raw);
  if (before === undefined) return false;
  const spec = slot.field.spec;
  const holdsRaw = slot.state !== EntryState.Empty && (!slot.bindsField || (spec.designType === String && spec.transform === undefined));
  if (holdsRaw && typeof slot.value === 'string') return slot.value !== raw;
  return before !== slot.digest;
}

