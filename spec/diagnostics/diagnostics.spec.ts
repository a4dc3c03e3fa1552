import 'reflect-metadata';
import { AsyncLocalStorage } from 'node:async_hooks';
import diagnostics_channel from 'node:diagnostics_channel';
import {
  bindSecrets,
  DiagnosticsChannel,
  getSecret,
  MockBackend,
  onChange,
  refresh,
  prefetch,
  Secret,
  SecretModel,
  TransientError,
  type ChangeMessage,
  type FetchTraceContext,
  type StaleMessage,
} from 'vaultly';
import { publishChange } from '../../lib/diagnostics/publishChange.js';
import { traceFetch } from '../../lib/diagnostics/traceFetch.js';
import { ManualClock } from 'vaultly/testing';
import { canary, expectNoCanary } from '../helpers/canary.js';
import { ControlledBackend, flush } from '../helpers/ControlledBackend.js';
import { rejection } from '../helpers/outcomes.js';

const PASSWORD = canary('diagnostics-password');
const API_KEY = canary('diagnostics-api-key');
const OLD_PASSWORD = canary('diagnostics-old-password');

@SecretModel({ staleOnError: true })
class AppConfig {
  stage = 'prod';
  @Secret('/{stage}/db/password', 300) password!: string;
  @Secret('/{stage}/api/key', 300) apiKey!: string;
  @Secret('/{stage}/db/password', { ttl: 300, version: 1 }) oldPassword!: string;
}

@SecretModel()
class StrictConfig {
  @Secret('/prod/db/password', 300) password!: string;
}

const VALUES = { '/prod/db/password': PASSWORD, '/prod/api/key': API_KEY, '/prod/db/password@1': OLD_PASSWORD };
const mock = (): MockBackend =>
  new MockBackend({ '/prod/db/password': PASSWORD, '/prod/api/key': API_KEY }, { versions: { '/prod/db/password': { 1: OLD_PASSWORD } } });

type Event = { event: 'start' | 'end' | 'asyncStart' | 'asyncEnd' | 'error'; context: FetchTraceContext };

/** Subscribes to every event of `vaultly:fetch` and `vaultly:stale` until `stop()`. */
function record() {
  const fetches: Event[] = [];
  const stale: StaleMessage[] = [];
  const channel = diagnostics_channel.tracingChannel<unknown, FetchTraceContext>(DiagnosticsChannel.Fetch);
  const handlers = {
    start: (context: FetchTraceContext) => void fetches.push({ event: 'start', context: { ...context } }),
    end: (context: FetchTraceContext) => void fetches.push({ event: 'end', context: { ...context } }),
    asyncStart: (context: FetchTraceContext) => void fetches.push({ event: 'asyncStart', context: { ...context } }),
    asyncEnd: (context: FetchTraceContext) => void fetches.push({ event: 'asyncEnd', context: { ...context } }),
    error: (context: FetchTraceContext) => void fetches.push({ event: 'error', context: { ...context } }),
  };
  const onStale = (message: unknown): void => void stale.push(message as StaleMessage);
  channel.subscribe(handlers);
  diagnostics_channel.subscribe(DiagnosticsChannel.Stale, onStale);
  return {
    fetches,
    stale,
    stop: () => {
      channel.unsubscribe(handlers);
      diagnostics_channel.unsubscribe(DiagnosticsChannel.Stale, onStale);
    },
  };
}

describe('diagnostics channels', () => {
  let recorder: ReturnType<typeof record>;
  beforeEach(() => {
    recorder = record();
  });
  afterEach(() => recorder.stop());

  it('names its channels with constants', () => {
    expect(DiagnosticsChannel).toEqual({ Fetch: 'vaultly:fetch', Stale: 'vaultly:stale', Change: 'vaultly:change' });
    expect(Object.isFrozen(DiagnosticsChannel)).toBe(true);
  });

  describe('vaultly:fetch', () => {
    it('traces every backend call of a prefetch: the batch and the versioned get, with no value', async () => {
      const config = await bindSecrets(new AppConfig(), { backend: mock() });
      await prefetch(config);
      const events = recorder.fetches;
      expect(events.filter((e) => e.event === 'start').map((e) => e.context)).toEqual([
        { paths: ['/prod/db/password', '/prod/api/key'], model: 'AppConfig', batch: true },
        { paths: ['/prod/db/password'], model: 'AppConfig', batch: false, version: 1 },
      ]);
      // Each call: start and end around the call, asyncStart and asyncEnd when it settles.
      for (const batch of [true, false]) {
        expect(events.filter((e) => e.context.batch === batch).map((e) => e.event)).toEqual(['start', 'end', 'asyncStart', 'asyncEnd']);
      }
      for (const { context } of events) expect(context.result).toBeUndefined();
      expectNoCanary(events, 'vaultly:fetch contexts');
    });

    it('publishes error with the backend error on a failed call', async () => {
      const backend = new ControlledBackend(VALUES);
      const config = await bindSecrets(new StrictConfig(), { backend });
      const failure = new TransientError('HTTP 503 reading /prod/db/password', { path: '/prod/db/password' });
      backend.failWith = () => failure;
      expect(await rejection(getSecret(config, 'password'))).toBe(failure);
      const events = recorder.fetches;
      expect(events.map((e) => e.event)).toEqual(['start', 'end', 'error', 'asyncStart', 'asyncEnd']);
      expect(events[2]?.context).toEqual({ paths: ['/prod/db/password'], model: 'StrictConfig', batch: false, error: failure });
    });

    it('traces a coalesced background refresh as one batch', async () => {
      const clock = new ManualClock(0);
      const config = await bindSecrets(new AppConfig(), { backend: mock(), clock, refreshJitter: 0 });
      await prefetch(config);
      recorder.fetches.length = 0;
      clock.advance(300_000);
      void [config.password, config.apiKey];
      await flush();
      expect(recorder.fetches.filter((e) => e.event === 'start').map((e) => e.context)).toEqual([
        { paths: ['/prod/db/password', '/prod/api/key'], model: 'AppConfig', batch: true },
      ]);
    });

    it('runs the backend call inside the stores bound to the start channel (AsyncLocalStorage, OpenTelemetry context)', async () => {
      const store = new AsyncLocalStorage<string>();
      const start = diagnostics_channel.tracingChannel(DiagnosticsChannel.Fetch).start;
      start.bindStore(store, (context) => `span for ${(context as FetchTraceContext).paths.join(',')}`);
      try {
        const seen: (string | undefined)[] = [];
        const backend = mock();
        const get = backend.get.bind(backend);
        backend.get = (path, options) => {
          seen.push(store.getStore());
          return get(path, options);
        };
        const config = await bindSecrets(new StrictConfig(), { backend });
        await getSecret(config, 'password');
        expect(seen).toEqual(['span for /prod/db/password']);
      } finally {
        start.unbindStore(store);
      }
    });

    it('builds no context and traces nothing when nobody subscribes', async () => {
      recorder.stop();
      let built = 0;
      const value = await traceFetch(
        () => {
          built++;
          return { paths: ['/x'], model: 'M', batch: false };
        },
        () => Promise.resolve('v'),
      );
      expect(value).toBe('v');
      expect(built).toBe(0);
      recorder = record();
      await traceFetch(
        () => {
          built++;
          return { paths: ['/x'], model: 'M', batch: false };
        },
        () => Promise.resolve('v'),
      );
      expect(built).toBe(1);
    });
  });

  describe('vaultly:stale', () => {
    it('publishes { model, field, path, error } each time a stale value is served, never the value', async () => {
      const backend = new ControlledBackend(VALUES);
      const clock = new ManualClock(0);
      const config = await bindSecrets(new AppConfig(), { backend, clock, refreshJitter: 0 });
      await prefetch(config);
      const failure = new TransientError('HTTP 503 reading /prod/db/password', { path: '/prod/db/password' });
      backend.failWith = () => failure;
      clock.advance(300_000);
      expect(config.password).toBe(PASSWORD); // expired, refresh not failed yet: no stale message
      expect(recorder.stale).toEqual([]);
      await flush();
      expect(config.password).toBe(PASSWORD); // the refresh failed: stale
      expect(await getSecret(config, 'apiKey')).toBe(API_KEY);
      expect(recorder.stale).toEqual([
        { model: 'AppConfig', field: 'AppConfig.password', path: '/prod/db/password', error: failure },
        { model: 'AppConfig', field: 'AppConfig.apiKey', path: '/prod/api/key', error: failure },
      ]);
      expectNoCanary(recorder.stale, 'vaultly:stale messages');
    });

    it('publishes nothing on warm reads, or when the error is thrown rather than served', async () => {
      const backend = new ControlledBackend(VALUES);
      const clock = new ManualClock(0);
      const config = await bindSecrets(new StrictConfig(), { backend, clock, refreshJitter: 0 });
      await getSecret(config, 'password');
      recorder.fetches.length = 0;
      for (let i = 0; i < 100; i++) expect(config.password).toBe(PASSWORD);
      expect(await getSecret(config, 'password')).toBe(PASSWORD);
      expect(recorder.fetches).toEqual([]);
      backend.failWith = () => new TransientError('HTTP 503');
      clock.advance(300_000);
      void config.password;
      await flush();
      expect(() => config.password).toThrow(TransientError);
      expect(recorder.stale).toEqual([]);
    });
  });

  describe('vaultly:change', () => {
    it('publishChange publishes the event with the model as its class name, never the instance', async () => {
      const changes: ChangeMessage[] = [];
      const onChange = (message: unknown): void => void changes.push(message as ChangeMessage);
      diagnostics_channel.subscribe(DiagnosticsChannel.Change, onChange);
      try {
        const config = await bindSecrets(new AppConfig(), { backend: mock() });
        await prefetch(config);
        publishChange({ model: config, field: 'password', path: '/prod/db/password', version: undefined });
        publishChange({ model: 'AppConfig', field: 'oldPassword', path: '/prod/db/password', version: 1 });
        expect(changes).toEqual([
          { model: 'AppConfig', field: 'password', path: '/prod/db/password', version: undefined },
          { model: 'AppConfig', field: 'oldPassword', path: '/prod/db/password', version: 1 },
        ]);
        expectNoCanary(changes, 'vaultly:change messages');
      } finally {
        diagnostics_channel.unsubscribe(DiagnosticsChannel.Change, onChange);
      }
    });

    it('mirrors onChange: a refresh that stores a different value publishes the same event', async () => {
      const changes: ChangeMessage[] = [];
      const onMessage = (message: unknown): void => void changes.push(message as ChangeMessage);
      diagnostics_channel.subscribe(DiagnosticsChannel.Change, onMessage);
      try {
        const backend = mock();
        const config = await bindSecrets(new AppConfig(), { backend });
        await prefetch(config);
        const events: unknown[] = [];
        onChange(config, (event) => void events.push(event));
        await refresh(config, 'password'); // same value: no change
        expect(changes).toEqual([]);
        backend.set('/prod/db/password', canary('diagnostics-rotated-password'));
        await refresh(config, 'password');
        expect(changes).toEqual([{ model: 'AppConfig', field: 'password', path: '/prod/db/password', version: undefined }]);
        expect(changes).toEqual(events);
        expectNoCanary(changes, 'vaultly:change messages');
      } finally {
        diagnostics_channel.unsubscribe(DiagnosticsChannel.Change, onMessage);
      }
    });

    it('costs a hasSubscribers check when nobody subscribes', () => {
      expect(diagnostics_channel.hasSubscribers(DiagnosticsChannel.Change)).toBe(false);
      const event = {
        get model(): never {
          throw new Error('read with no subscriber');
        },
        field: 'password',
        path: '/p',
      };
      expect(() => publishChange(event)).not.toThrow();
    });
  });
});
