import { CacheEntry } from '../../lib/cache/CacheEntry.js';
import type { CachePartition } from '../../lib/cache/CachePartition.js';

const byPartition = new WeakMap<CachePartition, Map<string, CacheEntry>>();

/**
 * The entry for `key` in `partition`, made and adopted by the partition when first asked for:
 * how the cache specs (and the original's TTLCache tests) address entries, where a bound model
 * finds its slots by field position and the partition keeps no key map.
 */
export function entryIn(partition: CachePartition, key: string): CacheEntry {
  let entries = byPartition.get(partition);
  if (entries === undefined) byPartition.set(partition, (entries = new Map()));
  let entry = entries.get(key);
  if (entry === undefined) {
    entry = new CacheEntry();
    entries.set(key, entry);
    partition.adopt([entry]);
  }
  return entry;
}
