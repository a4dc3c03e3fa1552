import 'reflect-metadata';

import {
  AuthError,
  bindSecrets,
  dispose,
  getSecret,
  prefetch,
  refreshAll,
  RetryingBackend,
  Secret,
  SecretModel,
  SecretNotFoundError,
  TransientError,
  type Backend,
} from 'vaultly';
import { AWSSSMBackend } from 'vaultly/aws-ssm';
import { ManualClock, startSsmServer, startVaultServer, type SsmServer, type VaultServer } from 'vaultly/testing';
import { VaultBackend } from 'vaultly/vault';
import { stateOf } from '../../lib/model/stateOf.js';
import { canary, canaryLogger, expectNoCanary } from '../helpers/canary.js';
import { fakeCredentials } from '../testing/ssm/ssmTestClient.js';
import { rejection } from '../helpers/outcomes.js';

// The fault matrix: model → RetryingBackend → real SDK client / node-vault → loopback server.
// For every fault and both staleOnError settings, one read after the cached values expired must
// end as README "Reading secrets" and "Retries and outages" document, within totalTimeout + 100 ms,
// with the last good value still in the cache and no unhandled rejection (jest-circus fails the
// test during which one happens). ManualClock drives expiry, so only the retry deadline is real time.

const TOTAL_TIMEOUT = 0.3;
const SLACK_MS = 100;
const TTL = 60;

type Field = 'password' | 'apiKey' | 'pool';
type Kind = 'ssm' | 'vault';
type Fault = '5xx' | 'throttle' | 'hang' | 'reset' | 'slow' | 'credentials' | 'missing';

/** One loopback server and the backend that reads it, seen the same way for SSM and Vault. */
interface Env {
  readonly kind: Kind;
  readonly paths: Readonly<Record<Field, string>>;
  readonly backend: Backend;
  /** Requests the server has answered or dropped so far. */
  requests(): number;
  /** Puts version 2 of every secret on the server. */
  rotate(): void;
  /** Makes every later request fail this way. */
  fail(fault: Exclude<Fault, 'missing'>): void;
  /** Deletes the secret behind `field`. */
  remove(field: Field): void;
  /** Stops the server and starts another on a new port (the backend still points at the old one). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

interface EnvOptions {
  /** Vault: renew a rejected token through a tokenFactory. */
  tokenFactory?: boolean;
}

const PASSWORD = [canary('password-v1'), canary('password-v2')] as const;
const API_KEY = [canary('api-key-v1'), canary('api-key-v2')] as const;
const POOL = ['10', '20'] as const;
const MANY = 1_000;

async function ssmEnv(): Promise<Env> {
  const paths = { password: '/prod/db/password', apiKey: '/prod/api/key', pool: '/prod/db/pool' };
  const seed = (v: 0 | 1): Record<string, string> => ({ [paths.password]: PASSWORD[v], [paths.apiKey]: API_KEY[v], [paths.pool]: POOL[v] });
  let server: SsmServer = await startSsmServer({ parameters: seed(0) });
  const old = server;
  const ssm = new AWSSSMBackend({ region: server.region, clientConfig: { endpoint: server.endpoint, credentials: fakeCredentials() } });
  return {
    kind: 'ssm',
    paths,
    backend: ssm,
    requests: () => old.requestCount(),
    rotate: () => {
      for (const [name, value] of Object.entries(seed(1))) server.putParameter(name, value);
    },
    fail: (fault) => {
      const faults = server.faults;
      if (fault === '5xx') faults.failNext('error', { times: MANY });
      else if (fault === 'throttle') faults.failNext('throttle', { times: MANY });
      else if (fault === 'hang') faults.failNext('hang', { times: MANY });
      else if (fault === 'reset') faults.failNext('reset', { times: MANY });
      else if (fault === 'slow') faults.setLatency(TOTAL_TIMEOUT * 1000 + 150);
      else faults.failNext('credentials', { times: MANY, code: 'ExpiredTokenException' });
    },
    remove: (field) => server.deleteParameter(paths[field]),
    restart: async () => {
      await server.close();
      server = await startSsmServer({ parameters: seed(1) });
    },
    close: async () => {
      ssm.destroy();
      await old.close();
      await server.close();
    },
  };
}

async function vaultEnv(options: EnvOptions): Promise<Env> {
  const paths = { password: 'prod/db:password', apiKey: 'prod/api:key', pool: 'prod/db:pool' };
  const seed = (v: 0 | 1): Record<string, Record<string, string>> => ({
    'prod/db': { password: PASSWORD[v], pool: POOL[v] },
    'prod/api': { key: API_KEY[v] },
  });
  let vault: VaultServer = await startVaultServer({ secrets: seed(0) });
  const old = vault;
  const appToken = canary('app-token');
  vault.addToken(appToken);
  const backend = new VaultBackend({
    url: vault.endpoint,
    token: appToken,
    ...(options.tokenFactory === true ? { tokenFactory: () => old.token } : {}),
  });
  return {
    kind: 'vault',
    paths,
    backend,
    requests: () => old.requests.length,
    rotate: () => {
      for (const [path, data] of Object.entries(seed(1))) vault.put(path, data);
    },
    fail: (fault) => {
      const all = { times: Number.POSITIVE_INFINITY };
      if (fault === '5xx') vault.faults.failNext('error', all);
      else if (fault === 'throttle') vault.faults.failNext('throttle', all);
      else if (fault === 'hang') vault.faults.failNext('hang', all);
      else if (fault === 'reset') vault.faults.failNext('reset', all);
      else if (fault === 'slow') vault.faults.setLatency(TOTAL_TIMEOUT * 1000 + 150);
      else vault.revokeToken(appToken); // the token expires mid-run
    },
    remove: (field) => vault.delete(paths[field].split(':')[0] as string),
    restart: async () => {
      await vault.close();
      vault = await startVaultServer({ secrets: seed(1) });
    },
    close: async () => {
      await old.close();
      await vault.close();
    },
  };
}

function modelFor(kind: Kind, staleOnError: boolean) {
  const prefix = kind === 'ssm' ? '/prod' : 'prod';
  const [password, apiKey, pool] =
    kind === 'ssm' ? [`${prefix}/db/password`, `${prefix}/api/key`, `${prefix}/db/pool`] : [`${prefix}/db:password`, `${prefix}/api:key`, `${prefix}/db:pool`];
  @SecretModel({ staleOnError })
  class AppConfig {
    @Secret(password, TTL) password!: string;
    @Secret(apiKey, TTL) apiKey!: string;
    @Secret(pool, TTL) pool!: number;
  }
  return AppConfig;
}

/** What the read ends with. */
type Outcome =
  | { readonly value: 1 | 2 } // resolves to version 1 (stale) or 2 (fresh)
  | { readonly error: typeof TransientError | typeof AuthError | typeof SecretNotFoundError; readonly message: RegExp };

interface Row {
  readonly name: string;
  readonly kinds: readonly Kind[];
  readonly env?: EnvOptions;
  /** Breaks things after the boot and the rotation. */
  readonly arm: (env: Env) => void | Promise<void>;
  /** `getSecret` of one field, or `refreshAll` (one batch of everything). */
  readonly action: 'getSecret' | 'refreshAll';
  readonly outcome: (staleOnError: boolean) => Outcome;
  /** What a synchronous read of the field does afterwards. */
  readonly syncAfter: (staleOnError: boolean) => Outcome;
}

const transient = (message: RegExp) => (staleOnError: boolean): Outcome =>
  staleOnError ? { value: 1 } : { error: TransientError, message };
const FAILED = /apiKey|api\/key|api:key/;
const TIMED_OUT = /Timed out after 0\.3s/;

const ROWS: readonly Row[] = [
  { name: 'a 5xx storm', kinds: ['ssm', 'vault'], arm: (e) => e.fail('5xx'), action: 'getSecret', outcome: transient(/HTTP 500/), syncAfter: transient(/HTTP 500/) },
  { name: 'throttling', kinds: ['ssm', 'vault'], arm: (e) => e.fail('throttle'), action: 'getSecret', outcome: transient(/Throttling|HTTP 429/), syncAfter: transient(/Throttling|HTTP 429/) },
  { name: 'a hanging server', kinds: ['ssm', 'vault'], arm: (e) => e.fail('hang'), action: 'getSecret', outcome: transient(TIMED_OUT), syncAfter: transient(TIMED_OUT) },
  { name: 'connection resets', kinds: ['ssm', 'vault'], arm: (e) => e.fail('reset'), action: 'getSecret', outcome: transient(FAILED), syncAfter: transient(FAILED) },
  { name: 'a slow response that crosses totalTimeout', kinds: ['ssm', 'vault'], arm: (e) => e.fail('slow'), action: 'getSecret', outcome: transient(TIMED_OUT), syncAfter: transient(TIMED_OUT) },
  { name: 'a server restarted on a new port', kinds: ['ssm', 'vault'], arm: (e) => e.restart(), action: 'getSecret', outcome: transient(FAILED), syncAfter: transient(FAILED) },
  {
    name: 'credentials that expire mid-run',
    kinds: ['ssm', 'vault'],
    arm: (e) => e.fail('credentials'),
    action: 'getSecret',
    outcome: () => ({ error: AuthError, message: FAILED }),
    syncAfter: () => ({ error: AuthError, message: FAILED }),
  },
  {
    name: 'a token that expires mid-run, renewed by tokenFactory',
    kinds: ['vault'],
    env: { tokenFactory: true },
    arm: (e) => e.fail('credentials'),
    action: 'getSecret',
    outcome: () => ({ value: 2 }),
    syncAfter: () => ({ value: 2 }),
  },
  { name: 'a 5xx storm during refreshAll', kinds: ['ssm', 'vault'], arm: (e) => e.fail('5xx'), action: 'refreshAll', outcome: () => ({ error: TransientError, message: /HTTP 500/ }), syncAfter: transient(/HTTP 500/) },
  {
    name: 'a batch where some names are missing',
    kinds: ['ssm', 'vault'],
    arm: (e) => e.remove('apiKey'),
    action: 'refreshAll',
    outcome: () => ({ error: SecretNotFoundError, message: FAILED }),
    syncAfter: () => ({ error: SecretNotFoundError, message: FAILED }),
  },
];

const CASES = ROWS.flatMap((row) => row.kinds.flatMap((kind) => [false, true].map((staleOnError) => [kind, row.name, staleOnError, row] as const)));

/** The value the cache holds for `path` (string fields: the raw value), read from the runtime: the public API hides it by design. */
function cachedRaw(config: object, path: string): unknown {
  return stateOf(config, 'test').runtime.slots.find((slot) => slot.key === path)?.value;
}

function expectOutcome(actual: { value: unknown } | { error: unknown }, expected: Outcome, where: string): void {
  if ('value' in expected) {
    expect({ where, ...actual }).toEqual({ where, value: API_KEY[expected.value - 1] });
    return;
  }
  expect({ where, ok: 'error' in actual }).toEqual({ where, ok: true });
  const error = (actual as { error: unknown }).error;
  expect(error).toBeInstanceOf(expected.error);
  expect((error as Error).message).toMatch(expected.message);
  expectNoCanary(error, where);
}

describe('fault matrix: model → RetryingBackend → client → loopback server', () => {
  it.each(CASES)('%s: %s (staleOnError %s)', async (kind, _name, staleOnError, row) => {
    const env = kind === 'ssm' ? await ssmEnv() : await vaultEnv(row.env ?? {});
    const log = canaryLogger();
    const clock = new ManualClock();
    const backend = new RetryingBackend(env.backend, {
      maxAttempts: 3,
      baseDelay: 0.01,
      maxDelay: 0.02,
      totalTimeout: TOTAL_TIMEOUT,
      logger: log.logger,
    });
    const Model = modelFor(kind, staleOnError);
    const config = await bindSecrets(new Model(), { backend, clock, logger: log.logger });
    try {
      await prefetch(config);
      expect([config.password, config.apiKey, config.pool]).toEqual([PASSWORD[0], API_KEY[0], 10]);
      env.rotate();
      await row.arm(env);
      clock.advance(TTL * 1000);
      const before = env.requests();

      const started = performance.now();
      let result: { value: unknown } | { error: unknown };
      try {
        if (row.action === 'getSecret') result = { value: await getSecret(config, 'apiKey') };
        else result = { value: (await refreshAll(config), config.apiKey) };
      } catch (error) {
        result = { error };
      }
      const elapsed = performance.now() - started;

      const outcome = row.outcome(staleOnError);
      const fresh = 'value' in outcome && outcome.value === 2;
      expectOutcome(result, outcome, 'the read');
      expect(elapsed).toBeLessThan(TOTAL_TIMEOUT * 1000 + SLACK_MS);
      if (!fresh) {
        // The last good value stays in the cache, whatever a read is allowed to show of it.
        expect(cachedRaw(config, env.paths.apiKey)).toBe(API_KEY[0]);
        expect(cachedRaw(config, env.paths.password)).toBe(PASSWORD[0]);
      }
      if (row.name !== 'a server restarted on a new port') expect(env.requests()).toBeGreaterThan(before);

      let sync: { value: unknown } | { error: unknown };
      try {
        sync = { value: config.apiKey };
      } catch (error) {
        sync = { error };
      }
      expectOutcome(sync, row.syncAfter(staleOnError), 'the synchronous read after it');
      if ('value' in outcome && outcome.value === 1) {
        expect(log.records.some((r) => r.level === 'warn' && r.message.includes('serving the stale value'))).toBe(true);
      }
    } finally {
      dispose(config);
      await env.close();
    }
    // jest-circus fails the test during which a rejection goes unhandled; let any from the
    // disposal (an aborted background refresh) surface here rather than in the next case.
    await new Promise((resolve) => setImmediate(resolve));
  });
});
