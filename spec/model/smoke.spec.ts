import 'reflect-metadata';
import { inspect } from 'node:util';
import { Container, inject } from 'inversify';
import { SecretModel, Secret, Nested, vaultlyModule, VAULTLY, getSecret, prefetch, bindSecrets, MockBackend } from '../../lib/index.js';

const STAGE = Symbol('stage');

@SecretModel({ validate: 'fetch' })
class DbConfig {
  @Secret('/{stage}/db/password', 300) password!: string;
  @Secret('/{stage}/db/pool') pool!: number;
}

@SecretModel({ validate: 'fetch', staleOnError: true })
class AppConfig {
  constructor(@inject(STAGE) readonly stage: string) {}
  @Secret('/services/openai/key', { ttl: 900 }) apiKey!: string;
  @Nested() db!: DbConfig;
}

it('smoke', async () => {
  const backend = new MockBackend({ '/services/openai/key': 'sk-1', '/prod/db/password': 'pw', '/prod/db/pool': '5' });
  const container = new Container();
  container.load(vaultlyModule({ backend }));
  container.bind(STAGE).toConstantValue('prod');
  container.bind(AppConfig).toSelf().inSingletonScope();
  const config = await container.getAsync(AppConfig);
  expect(config.apiKey).toBe('sk-1');
  expect(config.db.pool).toBe(5);
  expect(await getSecret(config.db, 'password')).toBe('pw');
  console.log(inspect(config), JSON.stringify(config), String(config), `${config}`, { ...config }, structuredClone(config));
  expect(backend.calls.length).toBe(3);
  expect(() => container.get(AppConfig)).not.toThrow();
  const c2 = new Container();
  c2.load(vaultlyModule({ backend }));
  c2.bind(STAGE).toConstantValue('prod');
  c2.bind(AppConfig).toSelf();
  let err: unknown;
  try { c2.get(AppConfig); } catch (e) { err = e; }
  console.log(String(err));
  await container.unbindAllAsync();
  expect(() => config.apiKey).toThrow();
});
