import 'reflect-metadata';
import { ConfigError, Nested, Secret, SecretModel, bindSecrets, MockBackend, prefetch } from 'vaultly';

// What TypeScript does without "emitDecoratorMetadata": it applies the decorators but records no
// design:type. These classes are decorated by hand, as tsc would, minus the metadata.
describe('a project compiled without emitDecoratorMetadata', () => {
  it('@Secret without a transform throws a ConfigError naming the flag, the class and the property', () => {
    class DbConfig {}
    const define = () => Secret('/prod/db/pool')(DbConfig.prototype, 'pool');
    expect(define).toThrow(ConfigError);
    expect(define).toThrow('DbConfig.pool: @Secret needs the property\'s design:type, which TypeScript records only with "emitDecoratorMetadata": true');
  });

  it('@Nested without a type throws a ConfigError naming the flag and the @Nested(() => Child) form', () => {
    class AppConfig {}
    const define = () => Nested()(AppConfig.prototype, 'db');
    expect(define).toThrow(ConfigError);
    expect(define).toThrow(/AppConfig\.db: @Nested needs the property's design:type.*emitDecoratorMetadata.*@Nested\(\(\) => ChildConfig\)/);
  });

  it('a @Secret with a transform and a @Nested(() => Child) still work, and cast as they say', async () => {
    class DbConfig {
      pool!: number;
    }
    Secret('/prod/db/pool', { transform: Number })(DbConfig.prototype, 'pool');
    SecretModel()(DbConfig);
    class AppConfig {
      db!: DbConfig;
    }
    Nested(() => DbConfig)(AppConfig.prototype, 'db');
    SecretModel()(AppConfig);

    const config = await bindSecrets(new AppConfig(), { backend: new MockBackend({ '/prod/db/pool': '3' }) });
    await prefetch(config);
    expect(config.db.pool).toBe(3);
  });

  it('with the flag on (as this repository compiles), a number field is cast to a number', async () => {
    @SecretModel()
    class DbConfig {
      @Secret('/prod/db/pool') pool!: number;
    }
    const config = await bindSecrets(new DbConfig(), { backend: new MockBackend({ '/prod/db/pool': '3' }) });
    await prefetch(config);
    expect(config.pool).toBe(3);
  });
});
