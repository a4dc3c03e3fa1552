import 'reflect-metadata';

import {
  bindSecrets,
  ConfigError,
  dispose,
  getSecret,
  MissingContextVariableError,
  prefetch,
  refresh,
  Secret,
  SecretModel,
  SecretNotFoundError,
  SecretNotLoadedError,
  VaultlyError,
  type Transform,
} from 'vaultly';
import { MockBackend } from 'vaultly/testing';
import { canary, expectNoCanary } from '../helpers/canary.js';
import { rejection, thrown } from '../helpers/outcomes.js';

// Hostile input: context values and templates that would aim a read elsewhere, over-long and
// binary paths, huge values, JSON built to pollute prototypes, and every kind of cast failure.
// Each must end in a clear error naming field and path, cache nothing half-done, and not crash.

describe('hostile input', () => {
  const bound: object[] = [];
  afterEach(() => {
    for (const config of bound.splice(0)) dispose(config);
  });

  describe('context values filled into {placeholders}', () => {
    @SecretModel()
    class Tenant {
      constructor(readonly tenant: unknown) {}
      @Secret('/tenants/{tenant}/db/password') password!: string;
    }

    @SecretModel({ validate: 'none' })
    class LazyTenant {
      constructor(readonly tenant: unknown) {}
      @Secret('/tenants/{tenant}/db/password') password!: string;
    }

    const refused: [string, unknown, RegExp][] = [
      ['a slash', 'acme/../../prod', /contains '\/'/],
      ['a dot-dot', 'acme..prod', /contains '\.\.'/],
      ['a colon (a Vault key or an SSM version selector)', 'acme:1', /contains ':'/],
      ['an at sign (a vaultly cache key version)', 'acme@2', /contains '@'/],
      ['nothing', '', /is empty/],
      ['a newline', 'acme\nprod', /control character/],
      ['a NUL byte', 'acme\u0000', /control character/],
      ['an object', { toString: () => 'acme' }, /is a object/],
      ['null', null, /is null/],
    ];

    it.each(refused)('refuses %s at bind time, naming field, variable and template, before any read', async (_, value, reason) => {
      const backend = new MockBackend({ '/tenants/acme/db/password': 'pw' });
      const error = await rejection(bindSecrets(new Tenant(value), { backend }));
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(reason);
      expect((error as Error).message).toContain('Tenant.password');
      expect((error as Error).message).toContain('{tenant}');
      expect((error as Error).message).toContain("'/tenants/{tenant}/db/password'");
      expect(backend.calls).toEqual([]);
    });

    it.each(refused)('with validate: none, refuses %s on first read and on prefetch, without a backend call', async (_, value, reason) => {
      const backend = new MockBackend({ '/tenants/acme/db/password': 'pw' });
      const config = await bindSecrets(new LazyTenant(value), { backend });
      bound.push(config);
      expect(() => config.password).toThrow(reason);
      expect(() => config.password).toThrow(ConfigError);
      await expect(getSecret(config, 'password')).rejects.toThrow(reason);
      await expect(prefetch(config)).rejects.toThrow(reason);
      expect(backend.calls).toEqual([]);
    });

    it('a context value of 4 KB gives a path no backend holds: the read fails clearly and caches nothing', async () => {
      const backend = new MockBackend({ '/tenants/acme/db/password': 'pw' });
      let config: Tenant;
      try {
        config = await bindSecrets(new Tenant('x'.repeat(4096)), { backend });
      } catch (error) {
        // Refusing it at bind time, like a 4 KB template, is just as good.
        expect(error).toBeInstanceOf(ConfigError);
        return;
      }
      bound.push(config);
      const error = await rejection(prefetch(config));
      expect(error).toBeInstanceOf(SecretNotFoundError);
      expect(backend.calls).toHaveLength(1);
      expect(() => config.password).toThrow(SecretNotLoadedError);
    });
  });

  describe('path templates', () => {
    const define = (template: string) => () => {
      @SecretModel()
      class Hostile {
        stage = 'prod';
        @Secret(template) value!: string;
      }
      return Hostile;
    };

    it.each([
      ['an unbalanced {', '/{stage/db', /unbalanced '\{' at offset 1/],
      ['an unbalanced }', '/stage}/db', /unbalanced '\}' at offset 6/],
      ['nested braces', '/{a{stage}}/db', /unbalanced '\{' at offset 1/],
      ['a NUL byte', '/prod/db\u0000/password', /control character/],
      ['a newline', '/prod/db\n/password', /control character/],
      ['4 KB of text', `/${'a'.repeat(4096)}`, /longer than 2048/],
      ['nothing but spaces', '   ', /empty/],
    ])('refuses %s when the class is defined, naming class and property', (_, template, reason) => {
      const error = thrown(define(template));
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(reason);
      expect((error as Error).message).toContain('Hostile.value');
    });

    it.each([
      ['an empty placeholder', '/{}/db', 'unsupported placeholder {}'],
      ['a positional placeholder', '/{0}/db', 'unsupported placeholder {0}'],
      ['a dotted placeholder', '/{stage.length}/db', 'unsupported placeholder {stage.length}'],
      ['an indexed placeholder', '/{stage[0]}/db', 'unsupported placeholder {stage[0]}'],
      ['a placeholder with spaces', '/{ stage }/db', 'unsupported placeholder { stage }'],
      ['a prototype member', '/{constructor}/db', 'unknown context variable {constructor}'],
      ['an unknown name', '/{region}/db', 'unknown context variable {region}'],
    ])('refuses %s at bind time with MissingContextVariableError', async (_, template, message) => {
      const Hostile = define(template)();
      const backend = new MockBackend({});
      const error = await rejection(bindSecrets(new Hostile(), { backend }));
      expect(error).toBeInstanceOf(MissingContextVariableError);
      expect((error as Error).message).toContain(message);
      expect((error as Error).message).toContain('available: stage');
      expect(backend.calls).toEqual([]);
    });

    it('reads escaped braces literally', async () => {
      const Hostile = define('/{{literal}}/{stage}')();
      const config = await bindSecrets(new Hostile(), { backend: new MockBackend({ '/{literal}/prod': 'ok' }) });
      bound.push(config);
      expect(await getSecret(config, 'value')).toBe('ok');
    });
  });

  describe('values', () => {
    it('a 10 MB value is stored and read back whole, and a 10 MB non-number fails its cast without a crash', async () => {
      const big = `${canary('big')}${'x'.repeat(10 * 1024 * 1024)}`;
      @SecretModel()
      class Big {
        @Secret('/big') text!: string;
        @Secret('/big', { transform: (raw) => raw.length }) size!: number;
      }
      @SecretModel()
      class BigNumber {
        @Secret('/big') n!: number;
      }
      const backend = new MockBackend({ '/big': big });
      const config = await bindSecrets(new Big(), { backend });
      bound.push(config);
      await prefetch(config);
      expect(config.text.length).toBe(big.length);
      expect(config.text === big).toBe(true);
      expect(config.size).toBe(big.length);
      expect(backend.calls).toHaveLength(1);

      const numeric = await bindSecrets(new BigNumber(), { backend });
      bound.push(numeric);
      const error = await rejection(prefetch(numeric));
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toBe("BigNumber.n: the value of secret '/big' is not a decimal number");
      expectNoCanary(error, 'big cast error');
      expect(() => numeric.n).toThrow(SecretNotLoadedError);
    });

    it('JSON carrying __proto__ and constructor keys pollutes no prototype', async () => {
      const hostile = '{"__proto__":{"polluted":"yes"},"constructor":{"prototype":{"polluted":"yes"}},"a":[{"__proto__":{"polluted":"yes"}}]}';
      @SecretModel()
      class Json {
        @Secret('/json') object!: Record<string, unknown>;
        @Secret('/list') list!: unknown[];
        @Secret('/json', { transform: (raw) => Object.assign({}, JSON.parse(raw) as object) }) merged!: object;
      }
      const config = await bindSecrets(new Json(), { backend: new MockBackend({ '/json': hostile, '/list': `[${hostile}]` }) });
      bound.push(config);
      await prefetch(config);
      expect(Object.hasOwn(config.object, '__proto__')).toBe(true);
      expect(Object.getPrototypeOf(config.object)).toBe(Object.prototype);
      expect(config.list).toHaveLength(1);
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
      expect((Object.prototype as Record<string, unknown>)['polluted']).toBeUndefined();
      expect((Array.prototype as unknown as Record<string, unknown>)['polluted']).toBeUndefined();
      expect(Object.keys(Object.prototype)).toEqual([]);
    });

    it('secret paths named like Object.prototype members are read as plain paths, singly and in a batch', async () => {
      @SecretModel()
      class Members {
        @Secret('__proto__') proto!: string;
        @Secret('constructor') ctor!: string;
        @Secret('toString') toStringValue!: string;
        @Secret('hasOwnProperty') own!: string;
      }
      const backend = new MockBackend({ constructor: 'c', toString: 't' });
      backend.set('__proto__', 'p');
      const config = await bindSecrets(new Members(), { backend });
      bound.push(config);
      expect(await getSecret(config, 'proto')).toBe('p');
      expect(await getSecret(config, 'ctor')).toBe('c');
      const missing = await rejection(getSecret(config, 'own'));
      expect(missing).toBeInstanceOf(SecretNotFoundError);
      backend.set('hasOwnProperty', 'h');
      // The batch read is where a plain {} record would swallow '__proto__'.
      await prefetch(config);
      expect([config.proto, config.ctor, config.toStringValue, config.own]).toEqual(['p', 'c', 't', 'h']);
    });
  });

  describe('cast failures', () => {
    const types: Record<string, (transform?: Transform) => new () => { field: unknown }> = {
      Number: () => {
        @SecretModel({ staleOnError: true })
        class Casts {
          @Secret('/v', 60) field!: number;
        }
        return Casts;
      },
      Boolean: () => {
        @SecretModel({ staleOnError: true })
        class Casts {
          @Secret('/v', 60) field!: boolean;
        }
        return Casts;
      },
      Object: () => {
        @SecretModel({ staleOnError: true })
        class Casts {
          @Secret('/v', 60) field!: { a: number };
        }
        return Casts;
      },
      Array: () => {
        @SecretModel({ staleOnError: true })
        class Casts {
          @Secret('/v', 60) field!: number[];
        }
        return Casts;
      },
      transform: (transform) => {
        @SecretModel({ staleOnError: true })
        class Casts {
          @Secret('/v', { ttl: 60, transform: transform as Transform }) field!: unknown;
        }
        return Casts;
      },
    };
    // Each accepts 'good' and fails on anything else, quoting it as user code might.
    const throwsText: Transform = (raw) => {
      if (raw !== 'good') throw `no good: ${raw}`;
      return 'parsed';
    };
    const throwsTypeError: Transform = (raw) =>
      raw === 'good' ? 'parsed' : (raw as unknown as { missing: () => unknown }).missing();
    const throwsRangeError: Transform = (raw) => {
      if (raw !== 'good') throw new RangeError(`out of range: ${raw}`);
      return 'parsed';
    };

    const failures: [string, string, string, Transform | undefined, RegExp][] = [
      ['Number', '', '1', undefined, /is not a decimal number/],
      ['Number', 'abc', '1', undefined, /is not a decimal number/],
      ['Number', '12px', '1', undefined, /is not a decimal number/],
      ['Number', '0x10', '1', undefined, /is not a decimal number/],
      ['Number', 'NaN', '1', undefined, /is not a decimal number/],
      ['Number', 'Infinity', '1', undefined, /is not a decimal number/],
      ['Number', '1e999', '1', undefined, /is not a decimal number/],
      ['Boolean', 'maybe', 'yes', undefined, /is not a boolean/],
      ['Boolean', '', 'off', undefined, /is not a boolean/],
      ['Object', '{"a":', '{"a":1}', undefined, /is not JSON/],
      ['Object', 'undefined', '{"a":1}', undefined, /is not JSON/],
      ['Array', '{"a":1}', '[1]', undefined, /is not a JSON array/],
      ['Array', '"[1]"', '[1]', undefined, /is not a JSON array/],
      ['transform', 'bad (it throws a string)', 'good', throwsText, /transform failed .* \(string\)/],
      ['transform', 'bad (it throws a TypeError)', 'good', throwsTypeError, /transform failed .* \(TypeError\)/],
      ['transform', 'bad (it throws a RangeError)', 'good', throwsRangeError, /transform failed .* \(RangeError\)/],
    ];

    it.each(failures)('%s given %j: ConfigError naming field and path, nothing cached', async (type, raw, good, transform, reason) => {
      const Model = (types[type] as (t?: Transform) => new () => { field: unknown })(transform);
      const value = `${canary('cast')}${raw}`;
      const backend = new MockBackend({ '/v': raw });
      const config = await bindSecrets(new Model(), { backend });
      bound.push(config);
      const error = await rejection(prefetch(config));
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toMatch(reason);
      expect((error as Error).message).toContain('Casts.field');
      expect((error as Error).message).toContain("'/v'");
      expect((error as VaultlyError).path).toBe('/v');
      expect(() => config.field).toThrow(SecretNotLoadedError);
      await expect(getSecret(config, 'field')).rejects.toBeInstanceOf(ConfigError);
      expect(backend.calls).toHaveLength(2);

      // With a good value cached, a rotation to the bad one keeps serving the good one.
      backend.set('/v', good);
      await getSecret(config, 'field');
      const cached = config.field;
      backend.set('/v', value);
      const rotated = await rejection(refresh(config, 'field'));
      expect(rotated).toBeInstanceOf(ConfigError);
      expectNoCanary(rotated, 'cast error');
      expect(config.field).toEqual(cached);
    });
  });
});
