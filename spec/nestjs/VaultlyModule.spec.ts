import 'reflect-metadata';
import { jest } from '@jest/globals';
import { Inject, Injectable, Module, type LoggerService } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Test } from '@nestjs/testing';
import {
  EnvBackend,
  getSecret,
  MissingContextVariableError,
  MockBackend,
  Nested,
  Secret,
  SecretCache,
  SecretModel,
  SecretNotFoundError,
  SecretNotLoadedError,
  TransientError,
  VAULTLY,
  type Backend,
} from 'vaultly';
import { VaultlyModule, VAULTLY as NEST_VAULTLY, type VaultlyForRootOptions } from 'vaultly/nestjs';
import { ManualClock } from 'vaultly/testing';
import { canary, canaryLogger, leakCheck } from '../helpers/canary.js';

const STAGE = 'STAGE';

@SecretModel()
class DbConfig {
  @Secret('/{stage}/db/password', 300) password!: string;
}

@SecretModel({ validate: 'fetch' })
class AppConfig {
  stage = 'prod';
  @Secret('/services/key') apiKey!: string;
  @Nested() db!: DbConfig;
}

/** A `'paths'` model with constructor context: loaded on demand, never prefetched. */
@SecretModel()
class StagedConfig {
  constructor(readonly stage: string) {}
  @Secret('/{stage}/flags') flags!: string;
}

@Injectable()
class PaymentsService {
  constructor(readonly config: AppConfig) {}

  charge(): string {
    return `charged with ${this.config.apiKey.length}-char key`;
  }
}

@Module({ providers: [{ provide: STAGE, useValue: 'dev' }], exports: [STAGE] })
class StageModule {}

const VALUES = { '/services/key': 'k3y', '/prod/db/password': 'pw', '/dev/flags': 'on' };

function testingModule(options: Partial<VaultlyForRootOptions> & { backend: Backend }) {
  return Test.createTestingModule({
    imports: [VaultlyModule.forRoot({ models: [AppConfig], ...options })],
    providers: [PaymentsService],
  });
}

/** A backend whose first `failures` reads reject with a TransientError. */
function flaky(values: Record<string, string>, failures: number): MockBackend & { failuresLeft: () => number } {
  const backend = new MockBackend(values);
  let left = failures;
  const get = backend.get.bind(backend);
  backend.get = (path, options) => (left-- > 0 ? Promise.reject(new TransientError('blip', { path })) : get(path, options));
  return Object.assign(backend, { failuresLeft: () => left });
}

describe(VaultlyModule.name, () => {
  describe('forRoot', () => {
    it('provides a fetch model, prefetched in one batch, to a service that injects it by its class', async () => {
      const backend = new MockBackend(VALUES);
      const app = await testingModule({ backend }).compile();
      await app.init();
      const service = app.get(PaymentsService);
      expect(service.config).toBeInstanceOf(AppConfig);
      expect(service.config.apiKey).toBe('k3y');
      expect(service.config.db.password).toBe('pw');
      expect(service.charge()).toBe('charged with 3-char key');
      expect(backend.calls).toHaveLength(2);
      await app.close();
    });

    it('re-exports the VAULTLY tokens of the root entry', () => {
      expect(NEST_VAULTLY).toBe(VAULTLY);
    });

    it('a fetch model with a missing secret fails compile() with the SecretNotFoundError itself', async () => {
      const backend = new MockBackend({ '/services/key': 'k3y' });
      const failure = await testingModule({ backend })
        .compile()
        .then(
          () => undefined,
          (error: unknown) => error,
        );
      expect(failure).toBeInstanceOf(SecretNotFoundError);
      expect((failure as Error).constructor).toBe(SecretNotFoundError);
      expect((failure as SecretNotFoundError).paths).toEqual(['/prod/db/password']);
      expect((failure as Error).message).toContain('/prod/db/password');
    });

    it('a failed start-up disposes the models prefetched before the failure', async () => {
      let first: AppConfig | undefined;
      const backend = new MockBackend({ ...VALUES, '/dev/flags': 'on' });
      backend.delete('/dev/flags');
      @SecretModel({ validate: 'fetch' })
      class Failing {
        stage = 'dev';
        @Secret('/{stage}/flags') flags!: string;
      }
      const builder = Test.createTestingModule({
        imports: [
          VaultlyModule.forRoot({
            backend,
            models: [
              { model: AppConfig, useFactory: () => (first = new AppConfig()) },
              { model: Failing, inject: [AppConfig], useFactory: () => new Failing() }, // built once AppConfig is prefetched
            ],
          }),
        ],
      });
      await expect(builder.compile()).rejects.toBeInstanceOf(SecretNotFoundError);
      expect(first).toBeInstanceOf(AppConfig);
      expect(() => first?.db.password).toThrow(/disposed/);
    });

    it('a model whose path cannot be filled in fails start-up with the MissingContextVariableError', async () => {
      @SecretModel()
      class NoRegion {
        @Secret('/payments/{region}/key') apiKey!: string;
      }
      const builder = Test.createTestingModule({ imports: [VaultlyModule.forRoot({ backend: new MockBackend(VALUES), models: [NoRegion] })] });
      await expect(builder.compile()).rejects.toBeInstanceOf(MissingContextVariableError);
    });

    it('a paths model is bound but not fetched before start-up, and loads on demand', async () => {
      const backend = new MockBackend(VALUES);
      const app = await Test.createTestingModule({
        imports: [VaultlyModule.forRoot({ backend, models: [{ model: StagedConfig, inject: [STAGE] }], imports: [StageModule] })],
      }).compile();
      const config = app.get(StagedConfig);
      expect(backend.calls).toEqual([]);
      expect(() => config.flags).toThrow(SecretNotLoadedError);
      await expect(getSecret(config, 'flags')).resolves.toBe('on');
      await app.close();
    });

    it('constructs a model with useFactory from injected providers (constructor context)', async () => {
      const backend = new MockBackend(VALUES);
      const useFactory = jest.fn(async (stage: string) => new StagedConfig(stage));
      const app = await Test.createTestingModule({
        imports: [VaultlyModule.forRoot({ backend, models: [{ model: StagedConfig, inject: [STAGE], useFactory }], imports: [StageModule] })],
      }).compile();
      expect(useFactory).toHaveBeenCalledWith('dev');
      await expect(getSecret(app.get(StagedConfig), 'flags')).resolves.toBe('on');
      await app.close();
    });

    it('a useFactory that returns something else than the model fails start-up, naming the model', async () => {
      const backend = new MockBackend(VALUES);
      const builder = Test.createTestingModule({
        imports: [VaultlyModule.forRoot({ backend, models: [{ model: StagedConfig, useFactory: () => ({}) as StagedConfig }] })],
      });
      await expect(builder.compile()).rejects.toThrow(new TypeError('VaultlyModule: the useFactory of StagedConfig must return an instance of StagedConfig'));
    });

    it('gives each module instance one cache, shared by its models in partitions of their own', async () => {
      const options = { backend: new MockBackend(VALUES), models: [AppConfig, { model: StagedConfig, inject: [STAGE] }], imports: [StageModule] };
      const first = await Test.createTestingModule({ imports: [VaultlyModule.forRoot(options)] }).compile();
      const second = await Test.createTestingModule({ imports: [VaultlyModule.forRoot(options)] }).compile();
      const cache = first.get(VAULTLY.Cache);
      expect(cache).toBeInstanceOf(SecretCache);
      expect(cache.partitions).toBe(2);
      expect(second.get(VAULTLY.Cache)).not.toBe(cache);
      expect(first.get(VAULTLY.Backend)).toBe(options.backend);
      await first.close();
      await second.close();
    });

    it.each(['reference', 'deep-hash'] as const)('two forRoot calls in one app are two module instances, each with its own backend (moduleIdGeneratorAlgorithm: %s)', async (algorithm) => {
      const forRoot = (value: string) =>
        VaultlyModule.forRoot({ backend: new MockBackend({ '/dev/flags': value }), models: [{ model: StagedConfig, useFactory: () => new StagedConfig('dev') }] });
      @Injectable()
      class ReaderOne {
        constructor(readonly config: StagedConfig) {}
      }
      @Injectable()
      class ReaderTwo {
        constructor(readonly config: StagedConfig) {}
      }
      @Module({ imports: [forRoot('one')], providers: [ReaderOne] })
      class One {}
      @Module({ imports: [forRoot('two')], providers: [ReaderTwo] })
      class Two {}
      const app = await Test.createTestingModule({ imports: [One, Two] }, { moduleIdGeneratorAlgorithm: algorithm }).compile();
      const one = app.get(ReaderOne).config;
      const two = app.get(ReaderTwo).config;
      expect(one).not.toBe(two);
      await expect(Promise.all([getSecret(one, 'flags'), getSecret(two, 'flags')])).resolves.toEqual(['one', 'two']);
      await app.close();
    });
  });

  describe('clock', () => {
    it('expires cached secrets by the injected clock: an expired read serves the last value and refreshes in the background', async () => {
      const clock = new ManualClock();
      const backend = new MockBackend(VALUES);
      const app = await testingModule({ backend, clock }).compile();
      const config = app.get(AppConfig);
      expect(app.get(VAULTLY.Cache).clock).toBe(clock);
      backend.set('/prod/db/password', 'rotated');
      backend.resetCalls();
      clock.advance(299_000);
      expect(config.db.password).toBe('pw');
      expect(backend.calls).toEqual([]);
      clock.advance(2_000); // past the 300 s ttl
      expect(config.db.password).toBe('pw');
      await expect(getSecret(config.db, 'password')).resolves.toBe('rotated');
      await app.close();
    });
  });

  describe('global', () => {
    it('global: true makes the models injectable in a module that does not import VaultlyModule', async () => {
      @Module({ providers: [PaymentsService], exports: [PaymentsService] })
      class PaymentsModule {}
      const app = await Test.createTestingModule({
        imports: [VaultlyModule.forRoot({ backend: new MockBackend(VALUES), models: [AppConfig], global: true }), PaymentsModule],
      }).compile();
      expect(app.get(PaymentsService).config.apiKey).toBe('k3y');
      await app.close();
    });

    it('by default the models are injectable only where VaultlyModule is imported', async () => {
      @Module({ providers: [PaymentsService] })
      class PaymentsModule {}
      const builder = Test.createTestingModule({
        imports: [VaultlyModule.forRoot({ backend: new MockBackend(VALUES), models: [AppConfig] }), PaymentsModule],
      });
      await expect(builder.compile()).rejects.toThrow(/PaymentsService/);
    });
  });

  describe('overrideProvider(VAULTLY.Backend)', () => {
    it('swaps the backend the models read from', async () => {
      const mock = new MockBackend({ ...VALUES, '/services/key': 'mocked' });
      const app = await testingModule({ backend: new EnvBackend({ env: {} }) })
        .overrideProvider(VAULTLY.Backend)
        .useValue(mock)
        .compile();
      expect(app.get(AppConfig).apiKey).toBe('mocked');
      expect(mock.calls.map(([path]) => path).sort()).toEqual(['/prod/db/password', '/services/key']);
      await app.close();
    });
  });

  describe('retry', () => {
    it('wraps the backend in a RetryingBackend', async () => {
      const backend = flaky(VALUES, 2);
      const app = await testingModule({ backend, retry: { maxAttempts: 3, baseDelay: 0, jitter: false } }).compile();
      expect(app.get(AppConfig).apiKey).toBe('k3y');
      expect(backend.failuresLeft()).toBeLessThan(0); // both failures were absorbed by retries
      await app.close();
    });

    it('also wraps a backend swapped in by overrideProvider', async () => {
      const backend = flaky(VALUES, 2);
      const app = await testingModule({ backend: new EnvBackend({ env: {} }), retry: { maxAttempts: 3, baseDelay: 0, jitter: false } })
        .overrideProvider(VAULTLY.Backend)
        .useValue(backend)
        .compile();
      expect(app.get(AppConfig).apiKey).toBe('k3y');
      expect(backend.failuresLeft()).toBeLessThan(0);
      await app.close();
    });

    it('without retry, a TransientError fails start-up as it is', async () => {
      const backend = flaky(VALUES, 1);
      await expect(testingModule({ backend }).compile()).rejects.toBeInstanceOf(TransientError);
    });

    it('rejects bad retry options when the module is built, naming the option', () => {
      expect(() => VaultlyModule.forRoot({ backend: new MockBackend({}), models: [], retry: { maxAttempts: 0 } })).toThrow(/maxAttempts/);
    });
  });

  describe('app.close()', () => {
    it('disposes the models: a read afterwards throws "disposed"', async () => {
      const app = await testingModule({ backend: new MockBackend(VALUES) }).compile();
      await app.init();
      const config = app.get(AppConfig);
      const cache = app.get(VAULTLY.Cache);
      expect(config.apiKey).toBe('k3y');
      await app.close();
      expect(() => config.apiKey).toThrow(/disposed/);
      expect(() => config.db.password).toThrow(/disposed/);
      expect(cache.partitions).toBe(0);
    });

    it('lets services read secrets in their own onModuleDestroy', async () => {
      const seen: string[] = [];
      @Injectable()
      class Closer {
        constructor(@Inject(AppConfig) private readonly config: AppConfig) {}
        onModuleDestroy(): void {
          seen.push(this.config.apiKey);
        }
      }
      const app = await Test.createTestingModule({ imports: [VaultlyModule.forRoot({ backend: new MockBackend(VALUES), models: [AppConfig] })], providers: [Closer] }).compile();
      await app.init();
      await app.close();
      expect(seen).toEqual(['k3y']);
    });
  });

  describe('a real application (NestFactory.createApplicationContext)', () => {
    /** A Nest LoggerService that records every message and hands it to the leak check. */
    function nestLogger(): { logger: LoggerService; lines: string[] } {
      const lines: string[] = [];
      const at =
        (level: string) =>
        (...args: unknown[]): void => {
          lines.push(`${level} ${args.map(String).join(' ')}`);
          leakCheck(`nest.${level}`, args);
        };
      return { logger: { log: at('log'), error: at('error'), warn: at('warn'), debug: at('debug'), verbose: at('verbose'), fatal: at('fatal') }, lines };
    }

    it('starts, serves the secrets, logs no secret value, and disposes on close', async () => {
      const apiKey = canary('api-key');
      const password = canary('db-password');
      const { logger: vaultlyLogger } = canaryLogger();
      @Module({
        imports: [VaultlyModule.forRoot({ backend: new MockBackend({ '/services/key': apiKey, '/prod/db/password': password }), logger: vaultlyLogger, models: [AppConfig] })],
        providers: [PaymentsService],
      })
      class AppModule {}
      const { logger, lines } = nestLogger();
      const app = await NestFactory.createApplicationContext(AppModule, { logger, abortOnError: false });
      const service = app.get(PaymentsService);
      expect(service.config.apiKey).toBe(apiKey);
      expect(service.config.db.password).toBe(password);
      leakCheck('util.inspect of the model', service.config);
      await app.close();
      expect(lines.some((line) => line.includes('VaultlyModule dependencies initialized'))).toBe(true);
      expect(() => service.config.apiKey).toThrow(/disposed/);
    });

    it('a missing secret fails start-up with the SecretNotFoundError, and Nest logs no secret value', async () => {
      @Module({
        imports: [VaultlyModule.forRoot({ backend: new MockBackend({ '/services/key': canary('api-key') }), models: [AppConfig] })],
        providers: [PaymentsService],
      })
      class AppModule {}
      const { logger, lines } = nestLogger();
      await expect(NestFactory.createApplicationContext(AppModule, { logger, abortOnError: false })).rejects.toBeInstanceOf(SecretNotFoundError);
      expect(lines.join('\n')).toContain('/prod/db/password');
    });
  });

  describe('bad options', () => {
    it.each([
      ['no options', undefined, 'VaultlyModule.forRoot: options must be an object with a backend and models'],
      ['no backend', { models: [] }, 'VaultlyModule.forRoot: options.backend must be a Backend (an object with get and getBatch methods)'],
      ['no models', { backend: new MockBackend({}) }, 'VaultlyModule.forRoot: options.models must be an array of @SecretModel classes'],
      ['a class without @SecretModel', { backend: new MockBackend({}), models: [AppConfig, class Plain {}] }, 'VaultlyModule.forRoot: options.models[1] (Plain) must be a class decorated with @SecretModel()'],
      ['a provider without a model', { backend: new MockBackend({}), models: [{ inject: [] }] }, 'VaultlyModule.forRoot: options.models[0].model must be a class decorated with @SecretModel()'],
      ['a useFactory that is not a function', { backend: new MockBackend({}), models: [{ model: AppConfig, useFactory: 1 }] }, 'VaultlyModule.forRoot: options.models[0].useFactory must be a function'],
      ['an inject that is not an array', { backend: new MockBackend({}), models: [{ model: AppConfig, inject: STAGE }] }, 'VaultlyModule.forRoot: options.models[0].inject must be an array of provider tokens'],
      ['a model listed twice', { backend: new MockBackend({}), models: [AppConfig, { model: AppConfig }] }, 'VaultlyModule.forRoot: options.models lists AppConfig twice'],
      ['a non-boolean global', { backend: new MockBackend({}), models: [], global: 'yes' }, 'VaultlyModule.forRoot: options.global must be a boolean'],
    ])('%s throws a TypeError naming the option', (_label, options, message) => {
      expect(() => VaultlyModule.forRoot(options as never)).toThrow(new TypeError(message));
    });
  });
});
