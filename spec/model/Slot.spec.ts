import 'reflect-metadata';
import { bindSecrets, ConfigError, getSecret, MockBackend, prefetch, refresh, Secret, SecretModel, SecretNotFoundError } from 'vaultly';
import { ManualClock } from 'vaultly/testing';
import { FieldBinding, Slot } from '../../lib/model/Slot.js';
import { stateOf } from '../../lib/model/stateOf.js';
import { rejection } from '../helpers/outcomes.js';

const CANARY = 'CANARY-slot-93b0';

describe('Class: Slot (one cache key, its entry and its first cached field)', () => {
  it('is itself the binding of a key read by one cached field, and carries no fetch state once loaded', async () => {
    @SecretModel()
    class One {
      @Secret('/a', 60) a!: string;
      @Secret('/b') b!: string;
    }
    const config = await bindSecrets(new One(), { backend: new MockBackend({ '/a': `${CANARY}-a`, '/b': `${CANARY}-b` }) });
    await prefetch(config);
    const { runtime, bindings } = stateOf(config, 'test');
    expect(runtime.slots).toHaveLength(2);
    expect(bindings).toEqual(runtime.slots);
    expect(runtime.slots.map((slot) => slot.fetches)).toEqual([undefined, undefined]);
    expect([config.a, config.b]).toEqual([`${CANARY}-a`, `${CANARY}-b`]);
  });

  it('serves several fields of one key (ttl 0 first, then two cached types) from one fetch, expiring by the smallest ttl', async () => {
    @SecretModel()
    class Mixed {
      @Secret('/port', 0) live!: string;
      @Secret('/port', 60) port!: number;
      @Secret('/port', 300) text!: string;
    }
    const clock = new ManualClock();
    const backend = new MockBackend({ '/port': '5432' });
    const config = await bindSecrets(new Mixed(), { backend, clock });
    await prefetch(config);
    const { runtime, bindings } = stateOf(config, 'test');
    expect(runtime.slots).toHaveLength(1);
    expect(bindings.every((binding) => binding instanceof FieldBinding)).toBe(true);
    expect(backend.calls).toEqual([['/port', undefined]]);
    expect(config.port).toBe(5432);
    expect(config.text).toBe('5432');
    expect(() => config.live).toThrow(ConfigError);
    backend.set('/port', '6543');
    await expect(getSecret(config, 'live')).resolves.toBe('6543');
    clock.advance(59_000);
    expect(config.port).toBe(6543);
    clock.advance(1_000);
    expect(config.port).toBe(6543); // expired: the last value, and a background refresh starts
    await new Promise((resolve) => setImmediate(resolve));
    expect(backend.calls).toHaveLength(3);
  });

  it('keeps the error of a failed fetch until a fetch succeeds, then drops the fetch state', async () => {
    @SecretModel()
    class Rotating {
      @Secret('/k', 60) key!: string;
    }
    const backend = new MockBackend({ '/k': `${CANARY}-1` });
    const config = await bindSecrets(new Rotating(), { backend });
    await prefetch(config);
    const slot = stateOf(config, 'test').runtime.slots[0] as Slot;
    backend.delete('/k');
    expect(await rejection(refresh(config, 'key'))).toBeInstanceOf(SecretNotFoundError);
    expect(slot.fetches?.error).toBeInstanceOf(SecretNotFoundError);
    expect(config.key).toBe(`${CANARY}-1`); // still fresh: a failed refresh keeps the stored value
    backend.set('/k', `${CANARY}-2`);
    await refresh(config, 'key');
    expect(slot.fetches).toBeUndefined();
    expect(config.key).toBe(`${CANARY}-2`);
  });
});
