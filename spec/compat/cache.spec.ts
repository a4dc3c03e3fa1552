// Translates tests/test_cache.py of the original Python vaultly (cop1cat/vaultly; the unit test of
// its TTLCache). Our cache is a SecretCache split into per-root CachePartitions whose entries keep
// their last value after expiry; expiry is pushed by the clock, so a ManualClock replaces the
// original's sleeps and monkeypatched time. Each cache rule is also checked through a model.
import 'reflect-metadata';
import {
  bindSecrets,
  ConfigError,
  getSecret,
  MockBackend,
  refreshAll,
  Secret,
  SecretCache,
  SecretModel,
} from 'vaultly';
import { EntryState } from '../../lib/cache/CacheEntry.js';
import { ManualClock } from 'vaultly/testing';
import { entryIn } from '../helpers/keyedEntries.js';

function partitionOn(clock: ManualClock) {
  return new SecretCache({ clock, refreshJitter: 0 }).partition();
}

describe('SecretCache partitions (test_cache.py)', () => {
  it('has an empty, never fresh entry for a key never stored', () => {
    const partition = partitionOn(new ManualClock());
    const entry = entryIn(partition, '/x');
    expect(entry.state).toBe(EntryState.Empty);
    expect(partition.isFresh(entry)).toBe(false);
  });

  it('round-trips a stored value', () => {
    const partition = partitionOn(new ManualClock());
    const entry = entryIn(partition, '/x');
    partition.store(entry, 'v', undefined);
    expect(partition.isFresh(entry)).toBe(true);
    expect(entryIn(partition, '/x')?.value).toBe('v');
  });

  it('never expires an entry without ttl', () => {
    const clock = new ManualClock();
    const partition = partitionOn(clock);
    const entry = entryIn(partition, '/x');
    partition.store(entry, 'v', undefined);
    clock.advance(1_000_000_000);
    expect(entry.state).toBe(EntryState.Fresh);
    expect(partition.isFresh(entry)).toBe(true);
  });

  it('treats an entry stored with ttl 0 as expired at once, keeping its value', () => {
    const clock = new ManualClock();
    const partition = partitionOn(clock);
    const entry = entryIn(partition, '/x');
    partition.store(entry, 'v', 0);
    expect(partition.isFresh(entry)).toBe(false);
    expect(entry.value).toBe('v');
  });

  it('expires a positive ttl after its window and keeps the value for stale reads', () => {
    const clock = new ManualClock();
    const partition = partitionOn(clock);
    const entry = entryIn(partition, '/x');
    partition.store(entry, 'stale', 0.01);
    clock.advance(9);
    expect(partition.isFresh(entry)).toBe(true);
    clock.advance(41);
    expect(entry.state).toBe(EntryState.Expired);
    expect(partition.isFresh(entry)).toBe(false);
    expect(entry.value).toBe('stale');
  });

  it('drops every entry, expired ones too, on clear', () => {
    // Differs: the original invalidates one key; ours clears the partition (refreshAll/dispose use it).
    const clock = new ManualClock();
    const partition = partitionOn(clock);
    const a = entryIn(partition, '/a');
    const b = entryIn(partition, '/b');
    partition.store(a, '1', undefined);
    partition.store(b, '2', 0.001);
    clock.advance(10);
    partition.clear();
    expect(a.state).toBe(EntryState.Empty);
    expect(b.state).toBe(EntryState.Empty);
    expect(a.value).toBeUndefined();
    expect(b.value).toBeUndefined();
    expect(partition.size).toBe(0);
    expect(clock.pending).toBe(0);
  });

  it('clears an empty partition without error', () => {
    const partition = partitionOn(new ManualClock());
    expect(() => partition.clear()).not.toThrow();
    expect(partition.size).toBe(0);
  });

  it('keeps interleaved writers and readers of different keys apart', async () => {
    // The original runs 8 threads; ours interleaves 8 async workers on one partition.
    const partition = partitionOn(new ManualClock());
    const worker = async (i: number): Promise<void> => {
      for (let n = 0; n < 200; n++) {
        const entry = entryIn(partition, `/${i}`);
        partition.store(entry, `${i}:${n}`, undefined);
        await Promise.resolve();
        expect(entryIn(partition, `/${i}`)?.value).toBe(`${i}:${n}`);
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, i) => worker(i)));
    expect(partition.size).toBe(8);
  });
});

describe('ttl through a model (test_cache.py)', () => {
  @SecretModel()
  class App {
    @Secret('/forever') forever!: string;
    @Secret('/never', 0) never!: string;
    @Secret('/short', 0.01) short!: string;
  }

  function setup() {
    const backend = new MockBackend({ '/forever': 'f', '/never': 'n', '/short': 's' });
    const clock = new ManualClock();
    return { backend, clock, ready: bindSecrets(new App(), { backend, clock, refreshJitter: 0 }) };
  }

  it('never refetches a secret without ttl', async () => {
    const { backend, clock, ready } = setup();
    const config = await ready;
    await getSecret(config, 'forever');
    clock.advance(1_000_000_000);
    await expect(getSecret(config, 'forever')).resolves.toBe('f');
    expect(config.forever).toBe('f');
    expect(backend.calls).toEqual([['/forever', undefined]]);
  });

  it('fetches a ttl-0 secret on every getSecret and refuses a sync read', async () => {
    const { backend, ready } = setup();
    const config = await ready;
    await expect(getSecret(config, 'never')).resolves.toBe('n');
    await expect(getSecret(config, 'never')).resolves.toBe('n');
    expect(backend.calls).toEqual([
      ['/never', undefined],
      ['/never', undefined],
    ]);
    let error: unknown;
    try {
      void config.never;
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('App.never');
    expect((error as Error).message).toContain('getSecret');
  });

  it('refetches a positive-ttl secret after its window only', async () => {
    const { backend, clock, ready } = setup();
    const config = await ready;
    await getSecret(config, 'short');
    clock.advance(9);
    await getSecret(config, 'short');
    expect(backend.calls).toHaveLength(1);
    backend.set('/short', 's2');
    clock.advance(41);
    await expect(getSecret(config, 'short')).resolves.toBe('s2');
    expect(backend.calls).toHaveLength(2);
  });

  it('invalidates ttl-less entries too on refreshAll', async () => {
    const { backend, ready } = setup();
    const config = await ready;
    await getSecret(config, 'forever');
    backend.set('/forever', 'f2');
    backend.resetCalls();
    await refreshAll(config);
    expect(backend.calls).toEqual([['/forever', undefined]]);
    expect(config.forever).toBe('f2');
  });
});
