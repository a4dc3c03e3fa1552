import { subscribe, unsubscribe } from 'node:diagnostics_channel';

import { AWSSSMBackend } from 'vaultly/aws-ssm';
import { startSsmServer, type SsmServer } from 'vaultly/testing';
import { spyReady } from '../../helpers/inProcessSsmClient.js';
import { loopbackSsmBackend, waitFor } from '../../testing/ssm/ssmTestClient.js';

const KEYS = Array.from({ length: 45 }, (_, i) => `/wire/k${String(i).padStart(2, '0')}`);

/** The most requests the server had open at once, from Node's own HTTP server channels. */
function trackServerConcurrency(): { readonly max: number; stop: () => void } {
  let open = 0;
  let max = 0;
  const start = (): void => {
    open++;
    max = Math.max(max, open);
  };
  const finish = (): void => {
    open--;
  };
  subscribe('http.server.request.start', start);
  subscribe('http.server.response.finish', finish);
  return {
    get max() {
      return max;
    },
    stop: () => {
      unsubscribe('http.server.request.start', start);
      unsubscribe('http.server.response.finish', finish);
    },
  };
}

describe(`${AWSSSMBackend.name} on the wire`, () => {
  let server: SsmServer;
  const backends: AWSSSMBackend[] = [];

  const backendFor = (options: { concurrency?: number; rateLimit?: number; rateLimiter?: false } = {}) => {
    const backend = loopbackSsmBackend(server, options);
    backends.push(backend);
    return backend;
  };

  beforeEach(async () => {
    server = await startSsmServer({ parameters: Object.fromEntries(KEYS.map((k) => [k, `value-of-${k}`])) });
  });

  afterEach(async () => {
    for (const backend of backends.splice(0)) backend.destroy();
    await server.close();
  });

  it.each([1, 2])('makes the next chunk ready while %i are on the wire, and never has more on the wire', async (concurrency) => {
    server.faults.setLatency(150);
    // No pacer: its slow start would hold the extra chunk until the first answers (see below).
    const backend = backendFor({ concurrency, rateLimiter: false });
    const readied = spyReady(backend.client);
    const tracked = trackServerConcurrency();
    try {
      const batch = backend.getBatch(KEYS);
      await waitFor(() => server.requestCount() === concurrency && readied.length === concurrency + 1);
      expect(server.requestCount()).toBe(concurrency);
      const values = await batch;
      expect(Object.keys(values).sort()).toEqual(KEYS);
      expect(values['/wire/k44']).toBe('value-of-/wire/k44');
      expect(server.requestCount('GetParameters')).toBe(5);
      expect(tracked.max).toBe(concurrency);
    } finally {
      tracked.stop();
    }
  });

  it("with the default pacer, makes chunks ready ahead once slow start's window allows", async () => {
    server.faults.setLatency(150);
    const backend = backendFor({ concurrency: 1 });
    const readied = spyReady(backend.client);
    const batch = backend.getBatch(KEYS);
    await waitFor(() => server.requestCount() === 2 && readied.length === 3);
    expect(server.requestCount()).toBe(2);
    expect(Object.keys(await batch)).toHaveLength(KEYS.length);
  });

  it('once the pacer spaces requests (rateLimit), takes the slot before the SDK makes the request ready', async () => {
    server.faults.setLatency(150);
    const backend = backendFor({ concurrency: 1, rateLimit: 1_000 });
    const readied = spyReady(backend.client);
    const batch = backend.getBatch(KEYS);
    await waitFor(() => server.requestCount() === 1);
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(readied).toHaveLength(1);
    expect(Object.keys(await batch)).toHaveLength(KEYS.length);
  });

  it('gives the slot back when a request fails on the wire, and reads on', async () => {
    server.faults.failNext('reset');
    const error = await backendFor({ concurrency: 1 })
      .getBatch(KEYS)
      .catch((e: unknown) => e as Error & { owedPaths: string[] });
    expect(error.name).toBe('PartialBatchError');
    expect(error.owedPaths).toEqual(KEYS.slice(0, 10));
    expect(server.requestCount('GetParameters')).toBe(5);
  });

  it('ends a wait for a slot on abort, with the reason, and leaves nothing open', async () => {
    server.faults.failNext('hang');
    const controller = new AbortController();
    const backend = backendFor({ concurrency: 1, rateLimiter: false });
    const readied = spyReady(backend.client);
    const batch = backend.getBatch(KEYS, { signal: controller.signal }).catch((e: unknown) => e);
    await waitFor(() => server.requestCount() === 1 && readied.length === 2);
    const reason = new Error('caller gave up');
    controller.abort(reason);
    expect(await batch).toBe(reason);
    expect(server.requestCount()).toBe(1);
  });
});
