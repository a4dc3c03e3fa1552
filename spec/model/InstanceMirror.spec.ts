import 'reflect-metadata';
import { inspect } from 'node:util';
import { setFlagsFromString } from 'node:v8';
import fc from 'fast-check';
import { Container } from 'inversify';
import {
  bindSecrets,
  ConfigError,
  dispose,
  getSecret,
  invalidate,
  MockBackend,
  Nested,
  onChange,
  prefetch,
  refresh,
  refreshAll,
  Secret,
  SecretModel,
  SecretNotLoadedError,
  vaultlyModule,
} from 'vaultly';
import { ManualClock } from 'vaultly/testing';
import { EntryState } from '../../lib/cache/CacheEntry.js';
import { slotOf, type Binding } from '../../lib/model/Slot.js';
import { InstanceState } from '../../lib/model/InstanceState.js';
import type { ModelState } from '../../lib/model/ModelState.js';
import { flush } from '../helpers/ControlledBackend.js';
import { canary, expectNoCanary } from '../helpers/canary.js';

const PASSWORD = canary('password');
const TOKEN = canary('token');
const ROTATED = canary('rotated');
const TTL = 300;

@SecretModel()
class Child {
  @Secret('/child/token') token!: string;
}

@SecretModel({ staleOnError: true })
class Config {
  stage = 'prod';
  @Secret('/{stage}/password', TTL) password!: string;
  @Secret('/{stage}/password', { ttl: 0 }) uncached!: string;
  @Secret('/{stage}/password') samePassword!: string;
  @Secret('/{stage}/pool') pool!: number;
  @Nested() child!: Child;
}

const values = () => ({ '/prod/password': PASSWORD, '/prod/pool': '5', '/child/token': TOKEN });

async function setup() {
  const backend = new MockBackend(values());
  const clock = new ManualClock();
  const config = await bindSecrets(new Config(), { backend, clock, refreshJitter: 0 });
  return { config, backend, clock };
}

const own = (target: object, name: string) => Object.getOwnPropertyDescriptor(target, name);
const hidden = (value: unknown) => ({ value, writable: false, enumerable: false, configurable: true });

describe('Class: InstanceMirror (fresh values written through as own properties)', () => {
  it('defines a hidden, read-only own property per cached field once its value is fresh', async () => {
    const { config } = await setup();
    expect(Object.getOwnPropertyNames(config)).toEqual(['stage', 'child']);
    await prefetch(config);
    expect(own(config, 'password')).toEqual(hidden(PASSWORD));
    // A second field on the same key has one too; a ttl-0 field never does.
    expect(own(config, 'samePassword')).toEqual(hidden(PASSWORD));
    expect(own(config, 'uncached')).toBeUndefined();
    expect(own(config, 'pool')).toEqual(hidden(5));
    expect(own(config.child, 'token')).toEqual(hidden(TOKEN));
    expect(() => config.uncached).toThrow(ConfigError);
    dispose(config);
  });

  it('keeps the own properties out of every masked rendering and copy', async () => {
    const { config } = await setup();
    await prefetch(config);
    for (const form of [inspect(config, { depth: 10, showHidden: true }), JSON.stringify(config), String(config), { ...config }, Object.assign({}, config)]) {
      expectNoCanary(form, 'rendering');
    }
    expect(structuredClone(config)).toEqual({ stage: 'prod' });
    expect(Object.keys(config)).toEqual(['stage']);
    dispose(config);
  });

  it('takes the property down at expiry: the read serves the stale value, starts one refresh, and the property returns with the new value', async () => {
    const { config, backend, clock } = await setup();
    await prefetch(config);
    backend.resetCalls();
    backend.set('/prod/password', ROTATED);
    clock.advance(TTL * 1000 + 1);
    // Both fields of the expired key go; the others stay.
    expect(own(config, 'password')).toBeUndefined();
    expect(own(config, 'samePassword')).toBeUndefined();
    expect(config.password).toBe(PASSWORD);
    expect(config.password).toBe(PASSWORD);
    expect(config.samePassword).toBe(PASSWORD);
    await flush();
    expect(backend.calls).toEqual([['/prod/password', undefined]]);
    expect(own(config, 'password')).toEqual(hidden(ROTATED));
    expect(own(config, 'samePassword')).toEqual(hidden(ROTATED));
    expect(config.password).toBe(ROTATED);
    dispose(config);
  });

  it('takes the property down on invalidate, and puts the still-fresh ones defined after it back', async () => {
    const { config } = await setup();
    await prefetch(config);
    invalidate(config, 'password');
    expect(own(config, 'password')).toBeUndefined();
    expect(() => config.password).toThrow(SecretNotLoadedError);
    // pool was defined after password: down with it, served by the accessor, back a microtask later.
    expect(config.pool).toBe(5);
    await Promise.resolve();
    expect(own(config, 'pool')).toEqual(hidden(5));
    expect(own(config, 'password')).toBeUndefined();
    await getSecret(config, 'password');
    expect(own(config, 'password')).toEqual(hidden(PASSWORD));
    dispose(config);
  });

  it('takes every property down on refreshAll until the new values are stored', async () => {
    const { config, backend } = await setup();
    await prefetch(config);
    backend.set('/prod/password', ROTATED);
    const done = refreshAll(config);
    expect(own(config, 'password')).toBeUndefined();
    expect(own(config, 'pool')).toBeUndefined();
    expect(own(config.child, 'token')).toBeUndefined();
    expect(config.password).toBe(PASSWORD);
    await done;
    expect(own(config, 'password')).toEqual(hidden(ROTATED));
    expect(own(config.child, 'token')).toEqual(hidden(TOKEN));
    dispose(config);
  });

  it('updates the property in place on refresh, before onChange listeners read it', async () => {
    const { config, backend } = await setup();
    await prefetch(config);
    const seen: string[] = [];
    onChange(config, () => seen.push(config.password), { fields: ['password'] });
    backend.set('/prod/password', ROTATED);
    await expect(refresh(config, 'password')).resolves.toBe(ROTATED);
    expect(own(config, 'password')).toEqual(hidden(ROTATED));
    expect(seen).toEqual([ROTATED]);
    dispose(config);
  });

  it('takes every property down on dispose: no value stays reachable', async () => {
    const { config } = await setup();
    await prefetch(config);
    dispose(config);
    await Promise.resolve();
    expect(Object.getOwnPropertyNames(config)).toEqual(['stage', 'child']);
    expect(Object.getOwnPropertyNames(config.child)).toEqual([]);
    expect(() => config.password).toThrow(SecretNotLoadedError);
  });

  it('still refuses assignment: a TypeError while the value is fresh, the ConfigError otherwise; the value stays', async () => {
    const { config, clock } = await setup();
    expect(() => {
      config.password = 'x';
    }).toThrow(/Config\.password: secret fields are read-only/);
    await prefetch(config);
    let error: unknown;
    try {
      config.password = canary('assigned');
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toContain("'password'");
    expectNoCanary(error, 'error');
    expect(config.password).toBe(PASSWORD);
    clock.advance(TTL * 1000 + 1);
    expect(() => {
      config.password = 'x';
    }).toThrow(ConfigError);
    dispose(config);
  });

  it('leaves a non-extensible instance to its accessors', async () => {
    const { config } = await setup();
    Object.preventExtensions(config);
    await prefetch(config);
    expect(own(config, 'password')).toBeUndefined();
    expect(config.password).toBe(PASSWORD);
    dispose(config);
  });
});

describe('InstanceMirror and V8 fast properties', () => {
  // V8's own check, compiled after the flag is set (natives syntax is read at parse time).
  setFlagsFromString('--allow-natives-syntax');
  const hasFastProperties = new Function('object', 'return %HasFastProperties(object)') as (object: object) => boolean;

  it('keeps an instance in fast mode when a field in the middle expires and loads again, names made at run time too', async () => {
    @SecretModel()
    class Wide {}
    const names = Array.from({ length: 12 }, (_, i) => `f${String(i)}`);
    for (const name of names) {
      Reflect.defineMetadata('design:type', String, Wide.prototype, name);
      Secret(`/wide/${name}`, TTL)(Wide.prototype, name);
    }
    const backend = new MockBackend(Object.fromEntries(names.map((name) => [`/wide/${name}`, `value-${name}`])));
    const config = (await bindSecrets(new Wide(), { backend, refreshJitter: 0 })) as Record<string, string>;
    await prefetch(config);
    expect(Object.getOwnPropertyNames(config)).toEqual(names);
    expect(hasFastProperties(config)).toBe(true);
    invalidate(config, 'f5');
    expect(hasFastProperties(config)).toBe(true);
    await getSecret(config, 'f5');
    await Promise.resolve();
    expect(Object.getOwnPropertyNames(config)).toEqual([...names.filter((name) => name !== 'f5'), 'f5']);
    expect(hasFastProperties(config)).toBe(true);
    expect(names.map((name) => config[name])).toEqual(names.map((name) => `value-${name}`));
    dispose(config);
  });

  it("keeps a validate: 'fetch' model resolved from the container in fast mode", async () => {
    @SecretModel({ validate: 'fetch' })
    class FetchConfig {
      @Secret('/m/a', TTL) a!: string;
      @Secret('/m/b') b!: string;
    }
    const container = new Container();
    container.load(vaultlyModule({ backend: new MockBackend({ '/m/a': 'a', '/m/b': 'b' }) }));
    container.bind(FetchConfig).toSelf().inSingletonScope();
    const config = await container.getAsync(FetchConfig);
    expect(Object.getOwnPropertyNames(config)).toEqual(['a', 'b']);
    // The boot's wiring property, deleted after the values were written through, used to leave it in dictionary mode.
    expect(hasFastProperties(config)).toBe(true);
    await container.unbindAll();
  });
});

describe('InstanceMirror under random interleavings', () => {
  type Step =
    | { kind: 'advance'; seconds: number }
    | { kind: 'invalidate' | 'getSecret' | 'refresh' | 'read'; field: Field }
    | { kind: 'refreshAll' | 'settle' | 'rotate' };
  type Field = 'password' | 'samePassword' | 'pool';
  const FIELDS: readonly Field[] = ['password', 'samePassword', 'pool'];
  const field = fc.constantFrom(...FIELDS);
  const step: fc.Arbitrary<Step> = fc.oneof(
    fc.record({ kind: fc.constant('advance' as const), seconds: fc.integer({ min: 1, max: 2 * TTL }) }),
    fc.record({ kind: fc.constantFrom('invalidate' as const, 'getSecret' as const, 'refresh' as const, 'read' as const), field }),
    fc.record({ kind: fc.constantFrom('refreshAll' as const, 'settle' as const, 'rotate' as const) }),
  );

  /** Whether the field's cached value is fresh, from the runtime's own bindings. */
  const freshOf = (config: Config, name: Field): boolean => {
    const state = InstanceState.of(config) as ModelState;
    return slotOf(state.bindings[state.positions.get(name) as number] as Binding).state === EntryState.Fresh;
  };

  it('has an own property only while the value is fresh, holding the value the runtime holds, and one for every fresh field once settled', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 25 }), async (steps) => {
        const { config, backend, clock } = await setup();
        let version = 0;
        const check = (settled: boolean): void => {
          for (const name of FIELDS) {
            const descriptor = own(config, name);
            const fresh = freshOf(config, name);
            if (descriptor !== undefined) {
              expect(fresh).toBe(true);
              const state = InstanceState.of(config) as ModelState;
              expect(descriptor).toEqual(hidden((state.bindings[state.positions.get(name) as number] as Binding).value));
            } else if (settled) {
              expect(fresh).toBe(false);
            }
          }
        };
        try {
          for (const s of steps) {
            const pending: Promise<unknown>[] = [];
            switch (s.kind) {
              case 'advance':
                clock.advance(s.seconds * 1000);
                break;
              case 'invalidate':
                invalidate(config, s.field);
                break;
              case 'getSecret':
                pending.push(getSecret(config, s.field));
                break;
              case 'refresh':
                pending.push(refresh(config, s.field));
                break;
              case 'read':
                try {
                  void config[s.field];
                } catch {
                  // Not loaded: SecretNotLoadedError, as documented.
                }
                break;
              case 'refreshAll':
                pending.push(refreshAll(config));
                break;
              case 'rotate':
                backend.set('/prod/password', `${ROTATED}-${String(++version)}`);
                break;
              case 'settle':
                await flush();
                check(true);
                break;
            }
            check(false);
            await Promise.all(pending);
            check(false);
          }
          await flush();
          check(true);
        } finally {
          dispose(config);
        }
        expect(Object.getOwnPropertyNames(config)).toEqual(['stage', 'child']);
      }),
      { numRuns: 60 },
    );
  });
});
