import 'reflect-metadata';
import http from 'node:http';

import { Container } from 'inversify';
import {
  bindSecrets,
  ConfigError,
  dispose,
  getSecret,
  prefetch,
  RetryingBackend,
  Secret,
  SecretModel,
  SecretNotLoadedError,
  VAULTLY,
  vaultlyModule,
} from 'vaultly';
import { AWSSSMBackend } from 'vaultly/aws-ssm';
import { ManualClock, MockBackend, startSsmServer, startVaultServer } from 'vaultly/testing';
import { VaultBackend } from 'vaultly/vault';
import { fakeCredentials, waitFor } from '../testing/ssm/ssmTestClient.js';
import { rejection } from '../helpers/outcomes.js';

// After dispose, container deactivation or unbindAll, nothing may be left running: no timer
// (unref'd ones included, which process.getActiveResourcesInfo() does not list), no socket, no
// promise that never settles.

/** Counts the timers created through the global setTimeout that have neither fired nor been cleared. */
function trackTimers(): { live: () => number; restore: () => void } {
  const live = new Set<unknown>();
  const realSet = globalThis.setTimeout;
  const realClear = globalThis.clearTimeout;
  globalThis.setTimeout = ((callback: (...args: unknown[]) => void, ms?: number, ...args: unknown[]) => {
    const timer = realSet(() => {
      live.delete(timer);
      callback(...args);
    }, ms);
    live.add(timer);
    return timer;
  }) as typeof setTimeout;
  globalThis.clearTimeout = ((timer: Parameters<typeof clearTimeout>[0]) => {
    live.delete(timer);
    realClear(timer);
  }) as typeof clearTimeout;
  return {
    live: () => live.size,
    restore: () => {
      globalThis.setTimeout = realSet;
      globalThis.clearTimeout = realClear;
    },
  };
}

/**
 * How many sockets and servers keep the event loop alive now. Timers are counted by
 * {@link trackTimers} instead: jest's own come and go, and unref'd ones are not listed here.
 */
function openSockets(): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const kind of process.getActiveResourcesInfo()) if (kind.startsWith('TCP')) counts[kind] = (counts[kind] ?? 0) + 1;
  return counts;
}

/** Lets timers, sockets and promises that are already finishing finish. */
async function quiesce(): Promise<void> {
  for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
}

@SecretModel({ validate: 'fetch', staleOnError: true })
class AppConfig {
  stage = 'prod';
  @Secret('/{stage}/db/password', 300) password!: string;
  @Secret('/{stage}/api/key', 60) apiKey!: string;
  @Secret('/{stage}/flags') flags!: string;
}

const VALUES = { '/prod/db/password': 'pw', '/prod/api/key': 'key', '/prod/flags': 'on' };

describe('handles left after shutdown', () => {
  let timers: ReturnType<typeof trackTimers>;
  beforeEach(() => {
    timers = trackTimers();
  });
  afterEach(() => {
    timers.restore();
  });

  describe('dispose', () => {
    it('clears the expiry timer of the system clock and of a ManualClock', async () => {
      await quiesce();
      const before = openSockets();
      const config = await bindSecrets(new AppConfig(), { backend: new MockBackend(VALUES) });
      expect(config.password).toBe('pw');
      expect(timers.live()).toBe(1); // one unref'd expiry timer per root model
      dispose(config);
      expect(timers.live()).toBe(0);

      const clock = new ManualClock();
      const manual = await bindSecrets(new AppConfig(), { backend: new MockBackend(VALUES), clock });
      expect(clock.pending).toBe(1);
      dispose(manual);
      expect(clock.pending).toBe(0);
      expect(() => manual.password).toThrow(SecretNotLoadedError);
      expect(openSockets()).toEqual(before);
    });

    it('aborts a retrying read waiting on a hanging SSM server: the caller is told, and no timer or socket remains', async () => {
      await quiesce();
      const before = openSockets();
      const server = await startSsmServer({ parameters: VALUES });
      const ssm = new AWSSSMBackend({ region: server.region, clientConfig: { endpoint: server.endpoint, credentials: fakeCredentials() } });
      const backend = new RetryingBackend(ssm, { maxAttempts: 5, baseDelay: 0.01, totalTimeout: 30 });
      const clock = new ManualClock();
      try {
        const config = await bindSecrets(new AppConfig(), { backend, clock });
        server.faults.failNext('hang');
        clock.advance(60_000); // apiKey expires
        const waiting = rejection(getSecret(config, 'apiKey'));
        await waitFor(() => server.requestCount('GetParameter') === 1);
        expect(timers.live()).toBeGreaterThan(0); // the retry deadline, the SDK's request timeout
        dispose(config);
        const error = await waiting;
        expect(error).toBeInstanceOf(ConfigError);
        expect((error as Error).message).toMatch(/disposed/);
        expect(clock.pending).toBe(0);
      } finally {
        ssm.destroy();
        await server.close();
      }
      await quiesce();
      expect(timers.live()).toBe(0);
      expect(openSockets()).toEqual(before);
    });

    it('aborts a background refresh hanging on Vault: its socket is destroyed, only idle keep-alive sockets stay', async () => {
      const vault = await startVaultServer({ secrets: { 'prod/db': { password: 'pw' } } });
      try {
        @SecretModel({ staleOnError: true })
        class VaultConfig {
          @Secret('prod/db:password', 60) password!: string;
        }
        const clock = new ManualClock();
        const backend = new RetryingBackend(new VaultBackend({ url: vault.endpoint, token: vault.token }), { totalTimeout: 30 });
        const config = await bindSecrets(new VaultConfig(), { backend, clock });
        await prefetch(config);
        vault.faults.failNext('hang');
        clock.advance(60_000);
        expect(config.password).toBe('pw'); // stale, and one background refresh starts
        await waitFor(() => vault.requests.length === 2);
        const idle = (): number => (http.globalAgent.freeSockets[`${new URL(vault.endpoint).host}:`] ?? []).length;
        await waitFor(() => vault.openConnections === idle() + 1);
        dispose(config);
        await waitFor(() => vault.openConnections === idle());
        await quiesce();
        expect(timers.live()).toBe(0);
        expect(clock.pending).toBe(0);
      } finally {
        await vault.close();
      }
    });
  });

  describe('inversify', () => {
    it('unbindAll disposes every model and the cache, and the backend can be shut down cleanly', async () => {
      await quiesce();
      const before = openSockets();
      const server = await startSsmServer({ parameters: VALUES });
      const ssm = new AWSSSMBackend({ region: server.region, clientConfig: { endpoint: server.endpoint, credentials: fakeCredentials() } });
      const clock = new ManualClock();
      try {
        const container = new Container();
        container.load(vaultlyModule({ backend: ssm, retry: { maxAttempts: 2, totalTimeout: 5 }, clock }));
        container.bind(AppConfig).toSelf().inSingletonScope();
        const config = await container.getAsync(AppConfig);
        expect(config.password).toBe('pw');
        const cache = container.get(VAULTLY.Cache);
        expect(cache.partitions).toBe(1);
        expect(clock.pending).toBe(1);

        server.faults.failNext('hang');
        clock.advance(60_000);
        expect(config.apiKey).toBe('key'); // stale; the refresh hangs
        await waitFor(() => server.requestCount('GetParameter') === 1);

        await container.unbindAllAsync();
        expect(cache.partitions).toBe(0);
        expect(clock.pending).toBe(0);
        expect(() => config.password).toThrow(SecretNotLoadedError);
        await expect(getSecret(config, 'password')).rejects.toThrow(/disposed/);
      } finally {
        ssm.destroy();
        await server.close();
      }
      await quiesce();
      expect(timers.live()).toBe(0);
      expect(openSockets()).toEqual(before);
    });

    it('unbinding one model leaves the others and the cache working', async () => {
      @SecretModel({ validate: 'fetch' })
      class Other {
        @Secret('/prod/flags') flags!: string;
      }
      const clock = new ManualClock();
      const container = new Container();
      container.load(vaultlyModule({ backend: new MockBackend(VALUES), clock }));
      container.bind(AppConfig).toSelf().inSingletonScope();
      container.bind(Other).toSelf().inSingletonScope();
      const app = await container.getAsync(AppConfig);
      const other = await container.getAsync(Other);
      expect(clock.pending).toBe(1); // Other never expires: no timer
      await container.unbindAsync(AppConfig);
      expect(clock.pending).toBe(0);
      expect(() => app.password).toThrow(/disposed/);
      expect(other.flags).toBe('on');
      await container.unbindAllAsync();
      expect(() => other.flags).toThrow(SecretNotLoadedError);
      expect(timers.live()).toBe(0);
    });
  });
});
