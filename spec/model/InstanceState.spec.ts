import 'reflect-metadata';
import { inspect } from 'node:util';
import { bindSecrets, dispose, MockBackend, Nested, prefetch, refreshAll, Secret, SecretModel } from 'vaultly';
import { canary } from '../helpers/canary.js';

const PASSWORD = canary('password');
const TOKEN = canary('token');

@SecretModel()
class Child {
  @Secret('/child/token') token!: string;
}

@SecretModel()
class Parent {
  stage = 'prod';
  @Secret('/{stage}/password', 300) password!: string;
  @Secret('/{stage}/password', { ttl: 0 }) uncached!: string;
  @Nested() child!: Child;
}

/** Every rendering reflection gives of an object, one step deep. */
function renderings(target: object): string[] {
  const options = { showHidden: true, customInspect: false, depth: 8, getters: false } as const;
  return [
    inspect(Object.getOwnPropertyDescriptors(target), options),
    inspect(target, options),
    inspect(Object.getOwnPropertySymbols(target).map((key) => (target as Record<symbol, unknown>)[key]), options),
    inspect(Reflect.ownKeys(target), options),
  ];
}

describe('Class: InstanceState', () => {
  it('keeps the model state out of reach of reflection: no rendering of a bound model shows a value it does not hold as a fresh own property', async () => {
    const config = await bindSecrets(new Parent(), { backend: new MockBackend({ '/prod/password': PASSWORD, '/child/token': TOKEN }) });
    await prefetch(config);
    expect(config.password).toBe(PASSWORD);
    expect(config.child.token).toBe(TOKEN);
    // While fresh, a value is also a hidden own property (what reading the field gives anyway);
    // once it is not, the runtime still holds it (for stale reads) and reflection must not reach it.
    const refreshing = refreshAll(config);
    expect(config.password).toBe(PASSWORD);
    for (const target of [config, config.child]) {
      for (const text of renderings(target)) {
        expect(text).not.toContain(PASSWORD);
        expect(text).not.toContain(TOKEN);
      }
    }
    expect(Object.getOwnPropertySymbols(config)).toEqual([]);
    await refreshing;
    dispose(config);
  });

  it('shows reflection a fresh value only as the non-enumerable own property of its field', async () => {
    const config = await bindSecrets(new Parent(), { backend: new MockBackend({ '/prod/password': PASSWORD, '/child/token': TOKEN }) });
    await prefetch(config);
    expect(Object.getOwnPropertyNames(config)).toEqual(['stage', 'child', 'password']);
    expect(Object.getOwnPropertyDescriptor(config, 'password')?.enumerable).toBe(false);
    expect(Object.getOwnPropertySymbols(config)).toEqual([]);
    dispose(config);
  });
});

describe('Decorator: Nested', () => {
  it('keeps and wires a child the user assigned, with its own values', async () => {
    @SecretModel()
    class Db {
      constructor(readonly pool = 5) {}
      @Secret('/db/password') password!: string;
    }
    @SecretModel()
    class App {
      @Nested() db: Db = new Db(20);
    }
    const app = new App();
    const assigned = app.db;
    const config = await bindSecrets(app, { backend: new MockBackend({ '/db/password': PASSWORD }) });
    await prefetch(config);
    expect(config.db).toBe(assigned);
    expect(config.db.pool).toBe(20);
    expect(config.db.password).toBe(PASSWORD);
    dispose(config);
  });

  it('refuses a child that is not an instance of the declared class', async () => {
    @SecretModel()
    class App {
      @Nested() child!: Child;
    }
    const app = new App();
    (app as { child: unknown }).child = { token: 'x' };
    await expect(bindSecrets(app, { backend: new MockBackend({}) })).rejects.toThrow(/App\.child: @Nested field holds something other than a Child/);
  });
});
