import 'reflect-metadata';
import { inspect } from 'node:util';
import { bindSecrets, ConfigError, invalidate, MockBackend, prefetch, Secret, SecretModel, SecretNotLoadedError } from 'vaultly';

const CANARY = 'CANARY-shape-41d7';

const backend = () => new MockBackend({ '/a': `${CANARY}-a`, '/b': `${CANARY}-b`, '/v': `${CANARY}-v` });

describe('Class: ModelShape (where the secret accessors live)', () => {
  it('puts the accessors on the prototype: a bound instance holds no property per secret field until a value is fresh', async () => {
    @SecretModel()
    class Plain {
      stage = 'prod';
      @Secret('/a') a!: string;
      @Secret('/b') b!: string;
    }
    const config = await bindSecrets(new Plain(), { backend: backend() });
    expect(Object.getOwnPropertyNames(config)).toEqual(['stage']);
    await prefetch(config);
    expect(config.a).toBe(`${CANARY}-a`);
    // Fresh values are written through as hidden, read-only own properties (InstanceMirror).
    expect(Object.keys(config)).toEqual(['stage']);
    expect(Object.getOwnPropertyNames(config)).toEqual(['stage', 'a', 'b']);
    expect(Object.getOwnPropertyDescriptor(Plain.prototype, 'a')?.get).toEqual(expect.any(Function));
    expect(Object.getOwnPropertyDescriptor(Plain.prototype, 'a')?.enumerable).toBe(false);
    expect({ ...config }).toEqual({ stage: 'prod' });
  });

  it('makes an unbound instance of the same class throw a ConfigError on read, and take an assigned value', async () => {
    @SecretModel()
    class Shared {
      @Secret('/a') a!: string;
    }
    const bound = await bindSecrets(new Shared(), { backend: backend() });
    await prefetch(bound);
    const unbound = new Shared();
    expect(() => unbound.a).toThrow(ConfigError);
    expect(() => unbound.a).toThrow(/Shared\.a: this Shared instance is not bound.*bindSecrets/);
    unbound.a = 'set-by-hand';
    expect(unbound.a).toBe('set-by-hand');
    expect(Object.keys(unbound)).toEqual(['a']);
    expect(bound.a).toBe(`${CANARY}-a`);
    // A fresh value is a read-only own property: assigning it is V8's TypeError in strict code.
    expect(() => {
      bound.a = 'x';
    }).toThrow(TypeError);
    expect(bound.a).toBe(`${CANARY}-a`);
  });

  it('binds an instance that holds the field as an own property (class fields with define semantics, a constructor default)', async () => {
    @SecretModel()
    class WithDefault {
      @Secret('/a') a!: string;
      @Secret('/b') b!: string;
      constructor() {
        Object.defineProperty(this, 'a', { value: 'default-a', writable: true, enumerable: true, configurable: true });
        this.b = 'default-b';
      }
    }
    const config = await bindSecrets(new WithDefault(), { backend: backend() });
    await prefetch(config);
    expect([config.a, config.b]).toEqual([`${CANARY}-a`, `${CANARY}-b`]);
    expect(Object.getOwnPropertyDescriptor(config, 'a')).toEqual({ value: `${CANARY}-a`, writable: false, enumerable: false, configurable: true });
    expect(Object.keys(config)).toEqual([]);
    expect(inspect(config)).not.toContain(CANARY);
    invalidate(config, 'b');
    // Past the own property, the prototype's accessor: the one the instance's own field had hidden.
    expect(Object.hasOwn(config, 'b')).toBe(false);
    expect(() => config.b).toThrow(SecretNotLoadedError);
    expect(() => {
      config.b = 'x';
    }).toThrow(/WithDefault\.b: secret fields are read-only/);
  });

  it('defines a field named like an Object.prototype member on the instance, leaving prototypes alone', async () => {
    // Decorated by hand: TypeScript refuses a decorator on a property typed against Object's own.
    class Odd {}
    Reflect.defineMetadata('design:type', String, Odd.prototype, 'valueOf');
    Secret('/v')(Odd.prototype, 'valueOf');
    SecretModel()(Odd);
    const config = await bindSecrets(new Odd(), { backend: backend() });
    await prefetch(config);
    expect((config as { valueOf: unknown }).valueOf).toBe(`${CANARY}-v`);
    expect(Object.hasOwn(Odd.prototype, 'valueOf')).toBe(false);
    expect(typeof new Odd().valueOf).toBe('function');
    expect(typeof ({} as { valueOf: unknown }).valueOf).toBe('function');
  });

  it('leaves a member inherited from a base class to unbound instances, defining the field on bound ones', async () => {
    class Defaults {
      describe(): string {
        return 'defaults';
      }
    }
    class Cfg extends Defaults {}
    Reflect.defineMetadata('design:type', String, Cfg.prototype, 'describe');
    Secret('/a')(Cfg.prototype, 'describe');
    SecretModel()(Cfg);
    const bound = await bindSecrets(new Cfg(), { backend: backend() });
    await prefetch(bound);
    expect((bound as { describe: unknown }).describe).toBe(`${CANARY}-a`);
    expect(new Cfg().describe()).toBe('defaults');
  });

  it("shadows a base model's accessors with the subclass's own, whichever is bound first", async () => {
    @SecretModel()
    class Base {
      @Secret('/a') a!: string;
    }
    @SecretModel()
    class Sub extends Base {
      @Secret('/b') b!: string;
    }
    const sub = await bindSecrets(new Sub(), { backend: backend() });
    const base = await bindSecrets(new Base(), { backend: backend() });
    await Promise.all([prefetch(sub), prefetch(base)]);
    expect([sub.a, sub.b, base.a]).toEqual([`${CANARY}-a`, `${CANARY}-b`, `${CANARY}-a`]);
    expect(Object.hasOwn(Sub.prototype, 'a') && Object.hasOwn(Base.prototype, 'a')).toBe(true);
  });

  it('binds a model whose class prototype is frozen, with accessors on the instance', async () => {
    @SecretModel()
    class Hardened {
      @Secret('/a') a!: string;
    }
    Object.freeze(Hardened.prototype);
    const config = await bindSecrets(new Hardened(), { backend: backend() });
    await prefetch(config);
    expect(config.a).toBe(`${CANARY}-a`);
    expect(Object.keys(config)).toEqual([]);
  });

  it('binds a field added to the class after an instance was bound, keeping the earlier instance right', async () => {
    @SecretModel()
    class Late {
      @Secret('/a') a!: string;
    }
    const first = await bindSecrets(new Late(), { backend: backend() });
    await prefetch(first);
    Reflect.defineMetadata('design:type', String, Late.prototype, 'b');
    Secret('/b')(Late.prototype, 'b');
    const later = (await bindSecrets(new Late(), { backend: backend() })) as Late & { b: string };
    await prefetch(later);
    expect([later.a, later.b, first.a]).toEqual([`${CANARY}-a`, `${CANARY}-b`, `${CANARY}-a`]);
  });

  it('gives every instance of a class its own values through the shared accessors', async () => {
    @SecretModel()
    class Tenant {
      constructor(readonly tenant: string) {}
      @Secret('/{tenant}/key') key!: string;
    }
    const values = new MockBackend({ '/t1/key': `${CANARY}-1`, '/t2/key': `${CANARY}-2` });
    const [one, two] = await Promise.all([bindSecrets(new Tenant('t1'), { backend: values }), bindSecrets(new Tenant('t2'), { backend: values })]);
    await Promise.all([prefetch(one), prefetch(two)]);
    expect([one.key, two.key]).toEqual([`${CANARY}-1`, `${CANARY}-2`]);
  });
});
