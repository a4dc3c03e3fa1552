// Translates tests/test_review_pass_4.py of the original Python vaultly (cop1cat/vaultly;
// regressions of its fourth review pass): A serialising a model must not carry secrets,
// F a transform that calls back into the model must not hang, G Vault values that are not strings
// reach the cast as JSON, I the default logger is silent, plus pinned edge cases (read-only secret
// fields, mixins, empty number).
import 'reflect-metadata';
import v8 from 'node:v8';
import { jest } from '@jest/globals';
import {
  bindSecrets,
  ConfigError,
  getSecret,
  MockBackend,
  prefetch,
  refresh,
  Secret,
  SecretModel,
  TransientError,
  Backend,
  type LogFields,
} from 'vaultly';
import { VaultBackend, type VaultClient } from 'vaultly/vault';
import { ManualClock } from 'vaultly/testing';
import { canary } from '../helpers/canary.js';
import { rejection } from '../helpers/outcomes.js';

describe('serialising a model (test_review_pass_4.py A)', () => {
  // Differs: the original makes pickle.dumps raise NotImplementedError; ours serialises with every
  // secret left out (v8.serialize, Node's structured serialisation) or masked (JSON).
  @SecretModel()
  class A {
    stage = 'prod';
    @Secret('/n') n!: string;
  }

  it('leaves secrets out of v8.serialize before a fetch', async () => {
    const secret = canary();
    const config = await bindSecrets(new A(), { backend: new MockBackend({ '/n': secret }) });
    const bytes = v8.serialize(config);
    expect(bytes.toString('latin1')).not.toContain(secret);
    expect(v8.deserialize(bytes)).toEqual({ stage: 'prod' });
  });

  it('leaves secrets out of v8.serialize and masks them in JSON after a fetch', async () => {
    const secret = canary();
    const config = await bindSecrets(new A(), { backend: new MockBackend({ '/n': secret }) });
    await prefetch(config);
    expect(config.n).toBe(secret);
    const bytes = v8.serialize(config);
    expect(bytes.toString('latin1')).not.toContain(secret);
    expect(v8.deserialize(bytes)).toEqual({ stage: 'prod' });
    expect(JSON.parse(JSON.stringify(config))).toEqual({ stage: 'prod', n: '***' });
  });
});

describe('a transform that calls back into the model (test_review_pass_4.py F)', () => {
  it('does not hang when the transform calls refresh', async () => {
    const state: { calls: number; refreshing: Promise<unknown> | undefined } = { calls: 0, refreshing: undefined };
    let config: Re | undefined;
    const transform = (s: string): string => {
      state.calls++;
      if (state.calls === 1 && config !== undefined) state.refreshing = refresh(config, 'x');
      return s.toUpperCase();
    };
    @SecretModel()
    class Re {
      @Secret('/x', { transform }) x!: string;
    }
    const backend = new MockBackend({ '/x': 'hello' });
    config = await bindSecrets(new Re(), { backend });

    let timer: NodeJS.Timeout | undefined;
    const hang = new Promise<'hang'>((resolve) => {
      timer = setTimeout(() => resolve('hang'), 2000);
    });
    try {
      const outcome = await Promise.race([
        (async () => {
          const value = await getSecret(config, 'x');
          await state.refreshing;
          return value;
        })(),
        hang,
      ]);
      expect(outcome).toBe('HELLO');
    } finally {
      clearTimeout(timer);
    }
    expect(state.refreshing).toBeInstanceOf(Promise);
    expect(config.x).toBe('HELLO');
  });
});

describe('Vault values that are not strings (test_review_pass_4.py G)', () => {
  /** A node-vault stand-in holding one secret `x` with the given `value` field. */
  function vaultWith(value: unknown): VaultBackend {
    const client: VaultClient = {
      read: () => Promise.resolve({ data: { data: { value }, metadata: {} } }),
    };
    return new VaultBackend({ client });
  }

  it('round-trips an object through JSON to an object field', async () => {
    @SecretModel()
    class Cfg {
      @Secret('/x') cfg!: Record<string, unknown>;
    }
    const config = await bindSecrets(new Cfg(), { backend: vaultWith({ k: 'v', n: 1 }) });
    await expect(getSecret(config, 'cfg')).resolves.toEqual({ k: 'v', n: 1 });
  });

  it('casts a number value to a number field', async () => {
    @SecretModel()
    class Cfg {
      @Secret('/x') n!: number;
    }
    const config = await bindSecrets(new Cfg(), { backend: vaultWith(42) });
    await expect(getSecret(config, 'n')).resolves.toBe(42);
  });

  it('casts a boolean value to a boolean field', async () => {
    @SecretModel()
    class Cfg {
      @Secret('/x') flag!: boolean;
    }
    const config = await bindSecrets(new Cfg(), { backend: vaultWith(true) });
    await expect(getSecret(config, 'flag')).resolves.toBe(true);
  });

  it('casts a list value to an array field', async () => {
    @SecretModel()
    class Cfg {
      @Secret('/x') items!: number[];
    }
    const config = await bindSecrets(new Cfg(), { backend: vaultWith([1, 2, 3]) });
    await expect(getSecret(config, 'items')).resolves.toEqual([1, 2, 3]);
  });

  it('returns a string value unchanged, not JSON-quoted', async () => {
    @SecretModel()
    class Cfg {
      @Secret('/x') s!: string;
    }
    const config = await bindSecrets(new Cfg(), { backend: vaultWith('hello') });
    await expect(getSecret(config, 's')).resolves.toBe('hello');
  });
});

describe('logging (test_review_pass_4.py I)', () => {
  /** Fails every read once `fail` is set. */
  class FlipBackend extends Backend {
    fail = false;
    get(path: string): Promise<string> {
      return this.fail ? Promise.reject(new TransientError('outage', { path })) : Promise.resolve('v');
    }
  }

  @SecretModel({ staleOnError: true })
  class StaleApp {
    @Secret('/db/password', 0.01) dbPassword!: string;
  }

  async function serveStale(logger?: { warn(fields: LogFields, message: string): void }): Promise<void> {
    const backend = new FlipBackend();
    const clock = new ManualClock();
    const config = await bindSecrets(new StaleApp(), logger === undefined ? { backend, clock } : { backend, clock, logger });
    await getSecret(config, 'dbPassword');
    clock.advance(20);
    backend.fail = true;
    await expect(getSecret(config, 'dbPassword')).resolves.toBe('v');
  }

  it('writes nothing anywhere by default', async () => {
    // The original ships a NullHandler; ours defaults to a silent logger.
    const spies = [
      jest.spyOn(console, 'warn').mockImplementation(() => undefined),
      jest.spyOn(console, 'error').mockImplementation(() => undefined),
      jest.spyOn(console, 'log').mockImplementation(() => undefined),
      jest.spyOn(console, 'info').mockImplementation(() => undefined),
      jest.spyOn(console, 'debug').mockImplementation(() => undefined),
      jest.spyOn(process.stderr, 'write').mockImplementation(() => true),
    ];
    try {
      await serveStale();
      for (const spy of spies) expect(spy).not.toHaveBeenCalled();
    } finally {
      for (const spy of spies) spy.mockRestore();
    }
  });

  it('sends the warning to a logger the user gives', async () => {
    const records: { fields: LogFields; message: string }[] = [];
    await serveStale({ warn: (fields, message) => records.push({ fields, message }) });
    expect(records.some((r) => r.message.includes('stale'))).toBe(true);
  });
});

describe('pinned edge cases (test_review_pass_4.py C/D)', () => {
  it('keeps secret fields read-only', async () => {
    // The original's frozen pydantic model; ours makes every secret field read-only.
    @SecretModel()
    class F {
      @Secret('/n') n!: number;
    }
    const config = await bindSecrets(new F(), { backend: new MockBackend({ '/n': '1' }) });
    const assign = (): unknown => {
      try {
        config.n = 999;
      } catch (e) {
        return e;
      }
      return undefined;
    };
    // Not loaded: the accessor's ConfigError, naming the field.
    const before = assign();
    expect(before).toBeInstanceOf(ConfigError);
    expect((before as Error).message).toContain('F.n');
    await expect(getSecret(config, 'n')).resolves.toBe(1);
    // Fresh: the value is a read-only own property, and V8 refuses the assignment with a TypeError
    // naming the field (in strict code, as modules and classes are).
    const fresh = assign();
    expect(fresh).toBeInstanceOf(TypeError);
    expect((fresh as Error).message).toContain("'n'");
    expect(config.n).toBe(1);
  });

  it('works with a mixin in the class chain', async () => {
    // TypeScript's mixin pattern requires exactly this constructor signature.
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    type Ctor = new (...args: any[]) => object;
    const Greeter = <TBase extends Ctor>(Base: TBase) =>
      class extends Base {
        hi(): string {
          return 'hi';
        }
      };
    class Plain {}
    @SecretModel()
    class M extends Greeter(Plain) {
      @Secret('/n') n!: number;
    }
    const config = await bindSecrets(new M(), { backend: new MockBackend({ '/n': '1' }) });
    await expect(getSecret(config, 'n')).resolves.toBe(1);
    expect(config.hi()).toBe('hi');
  });

  it('turns an empty string for a number field into a ConfigError', async () => {
    @SecretModel()
    class M {
      @Secret('/n') n!: number;
    }
    const config = await bindSecrets(new M(), { backend: new MockBackend({ '/n': '' }) });
    const error = await rejection(getSecret(config, 'n'));
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('M.n');
    expect((error as Error).message).toContain('/n');
  });
});
