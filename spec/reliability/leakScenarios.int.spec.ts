import 'reflect-metadata';

import { jest } from '@jest/globals';
import {
  AdaptiveRateLimiter,
  AuthError,
  bindSecrets,
  dispose,
  getSecret,
  prefetch,
  refresh,
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
import { canary, canaryLogger, expectNoCanary, leakCheck } from '../helpers/canary.js';
import { fakeCredentials } from '../testing/ssm/ssmTestClient.js';
import { rejection } from '../helpers/outcomes.js';

// SSM and Vault error paths, end to end over the loopback servers, with canary values (and a
// canary Vault token): the errors, their causes, log records and hook arguments must hold none.

/** A retry wrapper whose hooks and log records go through the leak check. */
function retrying(inner: Backend, logger: ReturnType<typeof canaryLogger>['logger']) {
  const onRetry = jest.fn((...args: unknown[]) => leakCheck('onRetry', args));
  return { backend: new RetryingBackend(inner, { maxAttempts: 2, backoff: () => 0, totalTimeout: 2, onRetry, logger }), onRetry };
}

describe('leak canaries through AWSSSMBackend', () => {
  const PASSWORD = canary('ssm-password');
  const KEY = canary('ssm-key');

  @SecretModel({ staleOnError: true })
  class SsmConfig {
    stage = 'prod';
    @Secret('/{stage}/db/password', 60) password!: string;
    @Secret('/{stage}/api/key', 60) apiKey!: string;
    @Secret('/{stage}/db/pool') pool!: number;
  }

  let server: SsmServer;
  let ssm: AWSSSMBackend;
  let config: SsmConfig;
  let clock: ManualClock;
  let log: ReturnType<typeof canaryLogger>;
  let onRetry: jest.Mock;

  beforeEach(async () => {
    server = await startSsmServer({
      parameters: {
        '/prod/db/password': { value: PASSWORD, type: 'SecureString' },
        '/prod/api/key': { value: KEY, type: 'SecureString' },
        '/prod/db/pool': '10',
      },
    });
    // A pacer that slows to no less than 20 req/s after a throttle: these tests are about what errors
    // quote, and the default floor (0.5 req/s) would race the 2 s totalTimeout against the pacing gaps.
    ssm = new AWSSSMBackend({
      region: server.region,
      clientConfig: { endpoint: server.endpoint, credentials: fakeCredentials() },
      rateLimiter: new AdaptiveRateLimiter({ minRate: 20 }),
    });
    log = canaryLogger();
    const wrapped = retrying(ssm, log.logger);
    onRetry = wrapped.onRetry;
    clock = new ManualClock();
    config = await bindSecrets(new SsmConfig(), { backend: wrapped.backend, clock, logger: log.logger });
    await prefetch(config);
    expect(config.password).toBe(PASSWORD);
    server.clearRequests();
  });

  afterEach(async () => {
    dispose(config);
    ssm.destroy();
    await server.close();
  });

  it('a truncated GetParameters answer quoting the values fails the batch without quoting them', async () => {
    server.faults.failNext('malformed', { times: 2 }); // both attempts get the real answer cut in half
    const error = await rejection(refreshAll(config));
    expect(error).toBeInstanceOf(TransientError);
    expect(server.requestCount('GetParameters')).toBe(2);
    expectNoCanary(error, 'malformed batch error');
    expect(onRetry).toHaveBeenCalledTimes(1);
    expect(config.password).toBe(PASSWORD);
  });

  it('a 200 body cut short inside a value fails GetParameter without quoting it; the stale value is served', async () => {
    const cut = `{"Parameter":{"Name":"/prod/db/password","Type":"SecureString","Value":"${canary('cut')}`;
    server.faults.failNext('malformed', { times: 2, body: cut });
    clock.advance(60_000);
    expect(await getSecret(config, 'password')).toBe(PASSWORD);
    expect(server.requestCount('GetParameter')).toBe(2);
    expect(log.records.map((r) => r.message)).toEqual([
      'vaultly: read failed, retrying (attempt 1 of 2)',
      'vaultly: refresh failed, serving the stale value',
    ]);
    server.faults.failNext('malformed', { body: cut });
    const error = await rejection(ssm.get('/prod/db/password'));
    expect(error).toBeInstanceOf(TransientError);
    expect((error as TransientError).path).toBe('/prod/db/password');
    expectNoCanary(error, 'cut body error');
  });

  it('throttling, 5xx and a reset while a value is stale: records and hook arguments name paths only', async () => {
    server.faults.failNext('throttle').failNext('error').failNext('reset').failNext('error', { status: 503, code: 'ServiceUnavailable' });
    clock.advance(60_000);
    expect(await getSecret(config, 'password')).toBe(PASSWORD);
    expect(await getSecret(config, 'apiKey')).toBe(KEY);
    // password: the throttle is re-queued behind the pacer without spending an attempt, then the
    // 5xx and the reset spend both; apiKey: the 503, then the value.
    expect(server.requestCount('GetParameter')).toBe(5);
    expect(onRetry).toHaveBeenCalledTimes(3);
    expect(log.records.length).toBeGreaterThanOrEqual(4);
    for (const record of log.records) expect(['/prod/db/password', '/prod/api/key']).toContain(record.fields['path']);
  });

  it('rejected credentials are an AuthError that quotes no value and is not retried', async () => {
    server.faults.failNext('credentials', { code: 'ExpiredTokenException' });
    const error = await rejection(refresh(config, 'password'));
    expect(error).toBeInstanceOf(AuthError);
    expect(server.requestCount()).toBe(1);
    expectNoCanary(error, 'auth error');
  });

  it('a version or label that is missing is a SecretNotFoundError naming the path', async () => {
    const error = await rejection(ssm.get('/prod/db/password', { version: 9 }));
    expect(error).toBeInstanceOf(SecretNotFoundError);
    expect((error as Error).message).toContain('/prod/db/password');
    expectNoCanary(error, 'not found error');
  });
});

describe('leak canaries through VaultBackend', () => {
  const PASSWORD = canary('vault-password');
  const USER = canary('vault-user');

  @SecretModel({ staleOnError: true })
  class VaultConfig {
    @Secret('prod/db:password', 60) password!: string;
    @Secret('prod/db:user', 60) user!: string;
  }

  let vault: VaultServer;
  let token: string;

  beforeEach(async () => {
    vault = await startVaultServer({ secrets: { 'prod/db': { password: PASSWORD, user: USER, port: 5432 } } });
    token = canary('vault-token');
    vault.addToken(token);
  });

  afterEach(async () => {
    await vault.close();
  });

  it('a missing key lists key names, never values; a rejected token is named nowhere', async () => {
    const backend = new VaultBackend({ url: vault.endpoint, token });
    const missing = await rejection(backend.get('prod/db:nope'));
    expect(missing).toBeInstanceOf(SecretNotFoundError);
    expect((missing as Error).message).toMatch(/keys: password, user, port/);
    expectNoCanary(missing, 'missing key');

    vault.revokeToken(token);
    const denied = await rejection(backend.get('prod/db:password'));
    expect(denied).toBeInstanceOf(AuthError);
    expectNoCanary(denied, 'denied');
  });

  it.each(['reset', 'error', 'sealed', 'throttle'] as const)(
    'a %s keeps the token and the values out of the error, its cause and the retry hook',
    async (fault) => {
      // Unpaced: a paced throttle would be retried without spending an attempt, and succeed.
      const backend = new VaultBackend({ url: vault.endpoint, token, rateLimiter: false });
      const log = canaryLogger();
      const wrapped = retrying(backend, log.logger);
      const config = await bindSecrets(new VaultConfig(), { backend: wrapped.backend, clock: new ManualClock(), logger: log.logger });
      try {
        await prefetch(config);
        vault.faults.failNext(fault, { times: 2 });
        const error = await rejection(refresh(config, 'password'));
        expect(error).toBeInstanceOf(TransientError);
        expect(wrapped.onRetry).toHaveBeenCalledTimes(1);
        expectNoCanary(error, `${fault} error`);
        expect(config.password).toBe(PASSWORD);
      } finally {
        dispose(config);
      }
    },
  );

  it('a token renewed by tokenFactory is named nowhere when the renewed one is refused too', async () => {
    const renewed = canary('renewed-token');
    const tokenFactory = jest.fn(() => renewed);
    const backend = new VaultBackend({ url: vault.endpoint, token, tokenFactory });
    vault.revokeToken(token);
    const error = await rejection(backend.get('prod/db:password'));
    expect(error).toBeInstanceOf(AuthError);
    expect(tokenFactory).toHaveBeenCalledTimes(1);
    expect(vault.requests.map((r) => r.token)).toEqual([token, renewed]);
    expectNoCanary(error, 'renewal error');
  });

  it('a hanging read cut by the retry deadline leaks neither token nor value', async () => {
    const backend = new VaultBackend({ url: vault.endpoint, token });
    const log = canaryLogger();
    const retry = new RetryingBackend(backend, { maxAttempts: 3, backoff: () => 0, totalTimeout: 0.2, logger: log.logger });
    vault.faults.failNext('hang');
    const error = await rejection(retry.get('prod/db:password'));
    expect(error).toBeInstanceOf(TransientError);
    expect((error as Error).message).toMatch(/Timed out after 0\.2s/);
    expectNoCanary(error, 'timeout error');
  });
});
