import 'reflect-metadata';
import { format, inspect } from 'node:util';

import { jest } from '@jest/globals';

import {
  bindSecrets,
  ConfigError,
  dispose,
  getSecret,
  prefetch,
  refresh,
  RetryingBackend,
  Secret,
  SecretModel,
  SecretNotFoundError,
  SecretNotLoadedError,
  TransientError,
} from 'vaultly';
import { ManualClock, MockBackend } from 'vaultly/testing';
import { canary, canaryLogger, expectNoCanary, leakCheck } from '../helpers/canary.js';
import { ControlledBackend, flush, until } from '../helpers/ControlledBackend.js';
import { rejection } from '../helpers/outcomes.js';

// Each scenario reads canary values through the public API and then checks every error, log
// record, hook argument and printed form for them. The suite-wide setup also fails a test that
// prints one (console.* and stdout/stderr).

const PASSWORD = canary('password');
const TOKEN = canary('token');
const SETTINGS = { host: 'db.local', secret: canary('json-secret') };

@SecretModel({ staleOnError: true })
class DbConfig {
  stage = 'prod';
  @Secret('/{stage}/db/password', 300) password!: string;
  @Secret('/{stage}/db/settings') settings!: { host: string; secret: string };
}

@SecretModel()
class ApiConfig {
  stage = 'prod';
  @Secret('/{stage}/api/token', 60) token!: string;
  @Secret('/{stage}/api/otp', 0) otp!: string;
}

const VALUES = {
  '/prod/db/password': PASSWORD,
  '/prod/db/settings': JSON.stringify(SETTINGS),
  '/prod/api/token': TOKEN,
  '/prod/api/otp': canary('otp'),
};

describe('leak canaries through the read paths', () => {
  const bound: object[] = [];
  afterEach(() => {
    for (const config of bound.splice(0)) dispose(config);
  });
  async function bind<T extends object>(instance: T, backend: MockBackend | ControlledBackend | RetryingBackend, clock = new ManualClock()) {
    const log = canaryLogger();
    const config = await bindSecrets(instance, { backend, clock, logger: log.logger });
    bound.push(config);
    return { config, clock, records: log.records };
  }

  describe('reads and masking', () => {
    it('serves the canaries to the caller, and every printed or copied form of the model hides them', async () => {
      const { config, records } = await bind(new DbConfig(), new MockBackend(VALUES));
      await prefetch(config);
      expect(config.password).toBe(PASSWORD);
      expect(config.settings).toEqual(SETTINGS);
      expect(await getSecret(config, 'password')).toBe(PASSWORD);

      // What console.log and console.info print (they format with util.format), captured so the
      // test output stays clean.
      const printed: string[] = [];
      const spies = (['log', 'info'] as const).map((method) =>
        jest.spyOn(console, method).mockImplementation((...args: unknown[]) => void printed.push(format(...args))),
      );
      try {
        console.log(config);
        console.info('config: %o', config);
      } finally {
        for (const spy of spies) spy.mockRestore();
      }
      expect(printed).toHaveLength(2);
      expect(printed[0]).toContain("password: '***'");
      const forms: [string, unknown][] = [
        ['console.log', printed[0]],
        ['console.info %o', printed[1]],
        ['util.inspect', inspect(config, { depth: Infinity, showHidden: true })],
        ['JSON.stringify', JSON.stringify(config)],
        ['String', String(config)],
        ['template literal', `${config}`],
        ['spread', { ...config }],
        ['Object.assign', Object.assign({}, config)],
        ['structuredClone', structuredClone(config)],
        ['Object.entries', Object.entries(config)],
      ];
      for (const [source, form] of forms) expectNoCanary(form, source);
      expect(JSON.stringify(config)).toContain('***');
      expect(records).toEqual([]);
    });

    it('keeps canaries out of the errors of misuse: not loaded, ttl 0, assignment, disposed', async () => {
      const { config } = await bind(new ApiConfig(), new MockBackend(VALUES));
      const notLoaded = (() => {
        try {
          return config.token;
        } catch (error) {
          return error;
        }
      })();
      expect(notLoaded).toBeInstanceOf(SecretNotLoadedError);
      await prefetch(config);
      const errors: unknown[] = [notLoaded];
      for (const attempt of [
        () => config.otp,
        () => {
          (config as { token: string }).token = canary('assigned');
        },
      ]) {
        try {
          attempt();
          throw new Error('expected a throw');
        } catch (error) {
          // Assigning a fresh field (a read-only own property) is V8's TypeError.
          expect(error instanceof ConfigError || error instanceof TypeError).toBe(true);
          errors.push(error);
        }
      }
      expect(await getSecret(config, 'otp')).toBe(VALUES['/prod/api/otp']);
      dispose(config);
      errors.push(await rejection(getSecret(config, 'token')));
      expect(() => config.token).toThrow(SecretNotLoadedError);
      expect(errors).toHaveLength(4);
      for (const error of errors) expectNoCanary(error, 'error');
    });
  });

  describe('dispose', () => {
    it('leaves no value reachable from the model, cast values included', async () => {
      const { config } = await bind(new DbConfig(), new MockBackend(VALUES));
      await prefetch(config);
      expect(config.password).toBe(PASSWORD);
      dispose(config);
      // Everything the instance still references (its bound state, nested models), as a heap
      // walk would find it; masking does not apply to these internals.
      const held = Reflect.ownKeys(config).map((key) => Object.getOwnPropertyDescriptor(config, key)?.value);
      expectNoCanary(inspect(held, { depth: 12, maxArrayLength: null, maxStringLength: null }), 'after dispose');
    });
  });

  describe('prefetch and cast failures', () => {
    it('names every missing path, never a value that was found', async () => {
      const backend = new MockBackend({ '/prod/db/password': PASSWORD });
      const { config } = await bind(new DbConfig(), backend);
      const error = await rejection(prefetch(config));
      expect(error).toBeInstanceOf(SecretNotFoundError);
      expect((error as SecretNotFoundError).paths).toEqual(['/prod/db/settings']);
      expectNoCanary(error, 'prefetch error');
      expect(() => config.password).toThrow(SecretNotLoadedError);
    });

    const bad = canary('raw');
    const failing: [string, () => object, string][] = [
      [
        'a Number field',
        () => {
          @SecretModel()
          class M {
            @Secret('/n') n!: number;
          }
          return new M();
        },
        bad,
      ],
      [
        'a Boolean field',
        () => {
          @SecretModel()
          class M {
            @Secret('/n') n!: boolean;
          }
          return new M();
        },
        bad,
      ],
      [
        'an Object field given truncated JSON',
        () => {
          @SecretModel()
          class M {
            @Secret('/n') n!: { a: string };
          }
          return new M();
        },
        `{"a":"${bad}"`,
      ],
      [
        'an Array field given an object',
        () => {
          @SecretModel()
          class M {
            @Secret('/n') n!: string[];
          }
          return new M();
        },
        JSON.stringify({ a: bad }),
      ],
      [
        'a transform that quotes its input',
        () => {
          @SecretModel()
          class M {
            @Secret('/n', {
              transform: (raw) => {
                throw new Error(`cannot parse ${raw}`);
              },
            })
            n!: string;
          }
          return new M();
        },
        bad,
      ],
      [
        'a transform whose JSON.parse quotes its input',
        () => {
          @SecretModel()
          class M {
            @Secret('/n', { transform: (raw) => JSON.parse(`{${raw}`) as unknown }) n!: unknown;
          }
          return new M();
        },
        bad,
      ],
    ];

    it.each(failing)('a failed cast of %s names field and path, never the value', async (_, make, raw) => {
      const { config, records } = await bind(make(), new MockBackend({ '/n': raw }));
      const error = await rejection(prefetch(config));
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as Error).message).toContain('M.n');
      expect((error as Error).message).toContain("'/n'");
      expect((error as ConfigError).path).toBe('/n');
      expectNoCanary(error, 'cast error');
      const second = await rejection(getSecret(config as Record<'n', unknown>, 'n'));
      expectNoCanary(second, 'cast error');
      expect(() => (config as Record<'n', unknown>).n).toThrow(SecretNotLoadedError);
      expect(records).toEqual([]);
    });

    it('a rotation that fails its cast keeps the previous value and leaks neither', async () => {
      const backend = new MockBackend(VALUES);
      const { config } = await bind(new DbConfig(), backend);
      await prefetch(config);
      const rotated = canary('rotated');
      backend.set('/prod/db/settings', `{"secret":"${rotated}"`);
      const error = await rejection(refresh(config, 'settings'));
      expect(error).toBeInstanceOf(ConfigError);
      expectNoCanary(error, 'refresh error');
      expect(config.settings).toEqual(SETTINGS);
    });
  });

  describe('retries, stale values and hooks', () => {
    it('onRetry arguments, isRetryable arguments and log records carry no value while a refresh fails and the stale one is served', async () => {
      const inner = new ControlledBackend(VALUES);
      const log = canaryLogger();
      const onRetry = jest.fn((...args: unknown[]) => leakCheck('onRetry', args));
      const isRetryable = jest.fn((error: unknown) => {
        leakCheck('isRetryable', error);
        return TransientError.is(error);
      });
      const backend = new RetryingBackend(inner, { maxAttempts: 3, backoff: () => 0, totalTimeout: 1, onRetry, isRetryable, logger: log.logger });
      const clock = new ManualClock();
      const config = await bindSecrets(new DbConfig(), { backend, clock, logger: log.logger });
      bound.push(config);
      await prefetch(config);

      inner.gets.length = 0;
      inner.failWith = (path) => new TransientError(`HTTP 503 reading ${path}`, { path });
      clock.advance(300_000);
      expect(await getSecret(config, 'password')).toBe(PASSWORD);
      expect(config.password).toBe(PASSWORD); // expired: stale value, one background refresh
      // The background refresh retries on timers: wait for its last attempt and its stale warning.
      await until(() => isRetryable.mock.calls.length >= 6 && log.records.filter((r) => r.message.includes('stale')).length >= 2);
      await flush();

      expect(onRetry).toHaveBeenCalledTimes(4); // two failed reads, two retries each
      expect(isRetryable).toHaveBeenCalledTimes(6);
      const warnings = log.records.filter((r) => r.level === 'warn').map((r) => r.message);
      expect(warnings.filter((m) => m.includes('retrying'))).toHaveLength(4);
      expect(warnings.filter((m) => m.includes('stale'))).toHaveLength(2);
      for (const record of log.records) expect(record.fields['path']).toBe('/prod/db/password');
      expect(inner.gets).toEqual(Array.from({ length: 6 }, () => ['/prod/db/password', undefined]));
    });

    it('a foreign error from the backend is wrapped; the wrapper and its log records name the path only', async () => {
      const inner = new ControlledBackend(VALUES);
      const log = canaryLogger();
      const backend = new RetryingBackend(inner, { maxAttempts: 2, backoff: () => 0, isRetryable: () => true, logger: log.logger });
      const { config } = await bind(new ApiConfig(), backend);
      inner.failWith = () => new TypeError('socket hang up');
      const error = await rejection(getSecret(config, 'token'));
      expect(error).toBeInstanceOf(TransientError);
      expect((error as Error).message).toMatch(/\/prod\/api\/token.*2 attempts.*TypeError/);
      expect((error as Error).cause).toBeInstanceOf(TypeError);
      inner.failWith = undefined;
      expect(await getSecret(config, 'token')).toBe(TOKEN);
      expectNoCanary(error, 'wrapped error');
      expect(log.records).toHaveLength(1);
      expect(log.records[0]?.fields).toEqual({ path: '/prod/api/token', attempt: 1, delay: 0, error: 'TypeError' });
    });

    it('an onRetry hook that throws with the value it was given is logged by name only', async () => {
      const inner = new ControlledBackend(VALUES);
      const log = canaryLogger();
      let leaked = '';
      const backend = new RetryingBackend(inner, {
        maxAttempts: 2,
        backoff: () => 0,
        logger: log.logger,
        onRetry: () => {
          throw new Error(`hook saw ${leaked}`);
        },
      });
      const { config } = await bind(new ApiConfig(), backend);
      await prefetch(config);
      leaked = config.token; // the user's own hook holds a value: vaultly must not print its error
      inner.failWith = (path) => new TransientError('blip', { path });
      await expect(refresh(config, 'token')).rejects.toBeInstanceOf(TransientError);
      const hookRecord = log.records.find((r) => r.message.includes('onRetry threw'));
      expect(hookRecord?.level).toBe('error');
      expect(hookRecord?.fields['error']).toBe('Error');
    });
  });
});
