// Core: a container on EnvBackend, masking, reads, rotation, a failing boot, and an outage
// served from stale values.
import 'reflect-metadata';
import { Container } from 'inversify';
import { EnvBackend, getSecret, refresh, TransientError, VAULTLY, vaultlyModule, type Backend } from 'vaultly';
import { ManualClock, MockBackend } from 'vaultly/testing';
import { AppConfig, STAGE } from './models.js';
import { describeSecret, explain, line, section } from './show.js';

/** Embedded defaults: the demo needs no cloud account. */
const VALUES: Record<string, string> = {
  '/services/openai/key': 'sk-demo-0123456789abcdef',
  '/prod/flags': '{"beta":true,"regions":["eu-west-1","us-east-1"]}',
  '/prod/debug': 'off',
  '/prod/db/password': 'correct-horse-battery-staple',
  '/prod/db/pool': '10',
};

function newContainer(backend: Backend, extra: Partial<Parameters<typeof vaultlyModule>[0]> = {}): Container {
  const container = new Container();
  container.load(vaultlyModule({ backend, ...extra }));
  container.bind(STAGE).toConstantValue('prod');
  container.bind(AppConfig).toSelf().inSingletonScope();
  return container;
}

export async function runCore(): Promise<void> {
  section('EnvBackend: boot from environment variables');
  const env: Record<string, string> = {};
  const envBackend = new EnvBackend({ prefix: 'DEMO', env });
  for (const [path, value] of Object.entries(VALUES)) env[envBackend.variableName(path)] = value;
  line(`variables set: ${Object.keys(env).join(', ')}`);
  const container = newContainer(envBackend);
  const config = await container.getAsync(AppConfig);
  line(`console.log(config) prints:`);
  console.log(config);
  line(`JSON.stringify(config): ${JSON.stringify(config)}`);
  line(`config.apiKey is ${describeSecret(config.apiKey)}; config.db.pool = <number> (${typeof config.db.pool})`);
  line(`config.flags.regions has ${config.flags.regions.length} entries; config.debug is a ${typeof config.debug}`);
  await container.unbindAllAsync();

  section('MockBackend via rebind: rotate a secret and refresh');
  const mock = new MockBackend(VALUES);
  const testContainer = newContainer(envBackend);
  testContainer.rebind(VAULTLY.Backend).toConstantValue(mock);
  const tested = await testContainer.getAsync(AppConfig);
  line(`boot: ${mock.calls.length} backend reads (one batch of unversioned paths)`);
  const before = tested.db.password;
  mock.set('/prod/db/password', 'rotated-password-value');
  line(`after rotation, before refresh: value unchanged = ${tested.db.password === before}`);
  await refresh(tested.db, 'password');
  line(`after refresh(config.db, 'password'): value changed = ${tested.db.password !== before}`);
  await testContainer.unbindAllAsync();

  section('A boot that fails names every missing secret');
  const partial = new MockBackend({ '/services/openai/key': 'k', '/prod/debug': 'on' });
  try {
    await newContainer(partial).getAsync(AppConfig);
    throw new Error('the boot should have failed');
  } catch (error) {
    line(explain(error));
  }

  section('An outage served from stale values');
  const clock = new ManualClock();
  const flaky = new MockBackend(VALUES);
  let down = false;
  const realGet = flaky.get.bind(flaky);
  flaky.get = (path, options) => (down ? Promise.reject(new TransientError(`503 from backend for ${path}`, { path })) : realGet(path, options));
  const warnings: string[] = [];
  const logger = { warn: (fields: Record<string, unknown>, message: string) => void warnings.push(`${message} ${JSON.stringify(fields)}`) };
  const outage = newContainer(flaky, { clock, logger, retry: { maxAttempts: 2, baseDelay: 0.01, totalTimeout: 0.5 } });
  const live = await outage.getAsync(AppConfig);
  const key = live.apiKey;
  down = true;
  clock.advance(901_000); // every ttl has passed
  line(`backend down, entry expired: sync read still serves the last value = ${live.apiKey === key}`);
  line(`await getSecret(config, 'apiKey') also serves it = ${(await getSecret(live, 'apiKey')) === key}`);
  line(`warnings logged (paths only, never values):`);
  for (const warning of warnings) line(`  ${warning}`);
  down = false;
  await outage.unbindAllAsync();
}
