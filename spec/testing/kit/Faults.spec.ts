import { Faults } from 'vaultly/testing';

interface Req {
  path: string;
}

describe(Faults.name, () => {
  const kinds = ['throttle', 'error', 'hang'] as const;
  let faults: Faults<(typeof kinds)[number], Req>;
  const take = (path = '/a'): string | undefined => {
    const taken = faults.take({ path });
    return taken.throttled ? 'quota' : taken.fault?.kind;
  };

  beforeEach(() => {
    faults = new Faults(kinds, 'testServer');
  });

  describe('failNext', () => {
    it('serves faults first queued first, each for its times, then none', () => {
      faults.failNext('throttle', { times: 2 }).failNext('error');
      expect([take(), take(), take(), take()]).toEqual(['throttle', 'throttle', 'error', undefined]);
    });

    it('hits only requests that match, leaving the others to later faults', () => {
      faults.failNext('hang', { match: (r) => r.path === '/b' }).failNext('error');
      expect([take('/a'), take('/b'), take('/b')]).toEqual(['error', 'hang', undefined]);
    });

    it('keeps a fault armed with times Infinity until clear()', () => {
      faults.failNext('error', { times: Number.POSITIVE_INFINITY });
      expect([take(), take(), take()]).toEqual(['error', 'error', 'error']);
      expect(faults.pending).toBe(Number.POSITIVE_INFINITY);
      faults.clear();
      expect([take(), faults.pending]).toEqual([undefined, 0]);
    });

    it('carries the answer options to the server', () => {
      faults.failNext('error', { status: 503, code: 'Unavailable', message: 'down' });
      expect(faults.take({ path: '/a' })).toEqual({
        throttled: false,
        fault: { kind: 'error', status: 503, code: 'Unavailable', message: 'down', body: undefined },
      });
    });

    it('rejects a bad kind or option with a TypeError naming it and the server', () => {
      expect(() => faults.failNext('sealed' as 'error')).toThrow("testServer: faults.failNext: kind must be one of 'throttle', 'error', 'hang', got 'sealed'");
      expect(() => faults.failNext(3 as never)).toThrow(/got a number/);
      expect(() => faults.failNext('error', { times: -1 })).toThrow('testServer: faults.failNext: options.times must be a positive integer or Infinity');
      expect(() => faults.failNext('error', { match: 'x' as never })).toThrow(/options\.match/);
      expect(() => faults.failNext('error', { status: 42 })).toThrow(/options\.status/);
      expect(() => faults.failNext('error', { message: 1 as never })).toThrow(/options\.message/);
      expect(faults.pending).toBe(0);
    });
  });

  describe('setLatency', () => {
    it('takes milliseconds and refuses a negative or non-finite value', () => {
      expect(faults.setLatency(25).latencyMs).toBe(25);
      expect(() => faults.setLatency(-1)).toThrow('testServer: faults.setLatency: latency must be a finite number of milliseconds >= 0');
      expect(() => faults.setLatency(Number.NaN)).toThrow(TypeError);
      expect(faults.latencyMs).toBe(25);
    });
  });

  describe('setQuota', () => {
    it('throttles past the burst before any queued fault is spent', () => {
      let now = 0;
      faults.setQuota({ rate: 1, burst: 1, now: () => now }).failNext('error', { times: 2 });
      expect([take(), take()]).toEqual(['error', 'quota']);
      expect(faults.pending).toBe(1);
      now += 1000;
      expect(take()).toBe('error');
    });

    it('lets an exempt request through without spending a token', () => {
      faults.setQuota({ rate: 1, burst: 1, now: () => 0 });
      expect(faults.take({ path: '/health' }, true)).toEqual({ throttled: false, fault: undefined });
      expect(take()).toBeUndefined();
      expect(take()).toBe('quota');
    });
  });

  describe('clear', () => {
    it('drops faults, latency and quota', () => {
      faults.failNext('error').setLatency(5).setQuota({ rate: 1 });
      faults.clear();
      expect([faults.pending, faults.latencyMs, faults.quotaOn]).toEqual([0, 0, false]);
    });
  });
});
