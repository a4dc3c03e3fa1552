import { request } from 'node:http';

import { startLoopbackServer, type LoopbackProtocol, type LoopbackRequest, type LoopbackServer } from 'vaultly/testing';

import { rejection } from '../../helpers/outcomes.js';

type Kind = 'throttle' | 'error' | 'hang' | 'reset' | 'malformed';

/** The smallest protocol: answers `{"echo": <path>}`; what a new server supplies to the kit. */
const echo: LoopbackProtocol<Kind, LoopbackRequest> = {
  name: 'startEchoServer',
  kinds: ['throttle', 'error', 'hang', 'reset', 'malformed'],
  describe: (incoming) => ({ op: incoming.url.pathname.slice(1) }),
  answer: (incoming) => ({ status: 200, headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ echo: incoming.url.pathname }) }),
  answerFault: (fault) => ({ status: fault.status ?? (fault.kind === 'throttle' ? 429 : 500), body: fault.message ?? fault.kind }),
  answerThrottled: (_record, retryAfterSeconds) => ({ status: 429, headers: { 'Retry-After': String(retryAfterSeconds) }, body: 'slow down' }),
};

describe(startLoopbackServer.name, () => {
  let server: LoopbackServer<Kind, LoopbackRequest>;

  beforeEach(async () => {
    server = await startLoopbackServer(echo);
  });

  afterEach(async () => {
    await server.close();
  });

  const get = async (path = '/a', init: RequestInit = {}): Promise<[number, string]> => {
    const response = await fetch(`${server.endpoint}${path}`, init);
    return [response.status, await response.text()];
  };

  it('listens on 127.0.0.1 with a free port and answers with the protocol', async () => {
    expect(server.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(await get('/x')).toEqual([200, '{"echo":"/x"}']);
  });

  it('renders a fault through the protocol, with its options', async () => {
    server.faults.failNext('error', { status: 502, message: 'bad gateway' }).failNext('throttle');
    expect(await get()).toEqual([502, 'bad gateway']);
    expect(await get()).toEqual([429, 'throttle']);
    expect(await get()).toEqual([200, '{"echo":"/a"}']);
  });

  it('cuts the real answer in half for malformed, or sends the body given with 200', async () => {
    server.faults.failNext('malformed').failNext('malformed', { body: 'raw' });
    expect(await get('/abcd')).toEqual([200, '{"echo":']);
    expect(await get()).toEqual([200, 'raw']);
  });

  it('resets the connection for reset', async () => {
    server.faults.failNext('reset');
    const error = (await rejection(get())) as Error & { cause?: { code?: string } };
    expect(error.cause?.code).toBe('ECONNRESET');
  });

  it('logs every request in one shape, with its fault and whether the quota throttled it', async () => {
    server.faults.failNext('error', { match: (r) => r.op === 'b' }).setQuota({ rate: 1, burst: 2, now: () => 0 });
    await get('/a?x=1');
    await get('/b');
    await get('/c');
    expect(server.requests).toEqual([
      { at: expect.any(Date), method: 'GET', path: '/a', query: { x: '1' }, op: 'a', fault: undefined, throttled: false },
      { at: expect.any(Date), method: 'GET', path: '/b', query: {}, op: 'b', fault: 'error', throttled: false },
      { at: expect.any(Date), method: 'GET', path: '/c', query: {}, op: 'c', fault: undefined, throttled: true },
    ]);
    expect(Object.isFrozen(server.requests[0])).toBe(true);
    expect([server.requestCount(), server.requestCount('b'), server.requestCount((r) => r.throttled)]).toEqual([3, 1, 1]);
    server.clearRequests();
    expect(server.requests).toEqual([]);
  });

  it('drops the connection of a body above maxBodyBytes', async () => {
    const small = await startLoopbackServer(echo, { maxBodyBytes: 8 });
    try {
      const error = (await rejection(fetch(`${small.endpoint}/a`, { method: 'POST', body: 'x'.repeat(64 * 1024) }))) as Error;
      expect(error).toBeDefined();
      expect(small.requests).toEqual([]);
      expect((await fetch(`${small.endpoint}/a`, { method: 'POST', body: 'tiny' })).status).toBe(200);
    } finally {
      await small.close();
    }
  });

  it('close() ends hung and delayed requests, drops faults, and leaves no connection open', async () => {
    const slow = await startLoopbackServer(echo, { latencyMs: 10_000 });
    slow.faults.failNext('hang', { match: (r) => r.op === 'hang' });
    const outcomes = ['/hang', '/slow'].map(
      (path) =>
        new Promise<string>((resolve) => {
          const req = request(`${slow.endpoint}${path}`, () => resolve('answered'));
          req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? 'error'));
          req.end();
        }),
    );
    while (slow.requests.length < 2) await new Promise((resolve) => setTimeout(resolve, 2));
    expect(slow.openConnections).toBe(2);

    await Promise.all([slow.close(), slow.close()]);

    expect(await Promise.all(outcomes)).toEqual(['ECONNRESET', 'ECONNRESET']);
    expect([slow.openConnections, slow.faults.latencyMs, slow.faults.pending]).toEqual([0, 0, 0]);
  });

  it('rejects bad kit options with a TypeError naming the server and option', async () => {
    await expect(startLoopbackServer(echo, { latencyMs: -5 })).rejects.toThrow(/startEchoServer: options\.latencyMs/);
    await expect(startLoopbackServer(echo, { maxBodyBytes: 0 })).rejects.toThrow('startEchoServer: options.maxBodyBytes must be a positive integer');
    await expect(startLoopbackServer(echo, { quota: { rate: 0 } })).rejects.toThrow(/startEchoServer: quota\.rate/);
  });
});
