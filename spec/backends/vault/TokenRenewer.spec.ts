import { jest } from '@jest/globals';
import { AuthError } from 'vaultly';
import { TokenRenewer } from '../../../lib/backends/vault/TokenRenewer.js';
import type { TokenTimer } from '../../../lib/backends/vault/TokenRenewer.js';

const OPTIONS = { timeoutMs: 1000 };

/** A timer that fires only when the test says so. */
function manualTimer(): { timer: TokenTimer; fire: () => void; pending: () => number } {
  const callbacks = new Set<() => void>();
  return {
    timer: (callback) => {
      callbacks.add(callback);
      return () => callbacks.delete(callback);
    },
    fire: () => {
      const due = [...callbacks];
      callbacks.clear();
      due.forEach((callback) => callback());
    },
    pending: () => callbacks.size,
  };
}

describe(TokenRenewer.name, () => {
  describe('current', () => {
    it('prefers its own token, then the fallback, and treats an empty one as none', () => {
      expect(new TokenRenewer('own', undefined, () => 'client', OPTIONS).current()).toBe('own');
      expect(new TokenRenewer(undefined, undefined, () => 'client', OPTIONS).current()).toBe('client');
      expect(new TokenRenewer(undefined, undefined, () => '', OPTIONS).current()).toBeUndefined();
    });
  });

  describe('renew', () => {
    it('calls the factory once for concurrent renewals of the same token', async () => {
      const factory = jest.fn(async () => 'new');
      const tokens = new TokenRenewer('old', factory, () => undefined, OPTIONS);

      const renewed = await Promise.all([tokens.renew('old'), tokens.renew('old'), tokens.renew('old')]);

      expect(renewed).toEqual(['new', 'new', 'new']);
      expect(factory).toHaveBeenCalledTimes(1);
      expect(tokens.current()).toBe('new');
    });

    it('returns the current token without a call when the rejected one was already replaced', async () => {
      const factory = jest.fn(() => 'new');
      const tokens = new TokenRenewer('old', factory, () => undefined, OPTIONS);
      await tokens.renew('old');

      await expect(tokens.renew('old')).resolves.toBe('new');
      expect(factory).toHaveBeenCalledTimes(1);
    });

    it('calls the factory again when the renewed token is rejected in turn', async () => {
      let n = 0;
      const factory = jest.fn(() => `t${++n}`);
      const tokens = new TokenRenewer('t0', factory, () => undefined, OPTIONS);

      await tokens.renew('t0');
      await expect(tokens.renew('t1')).resolves.toBe('t2');
      expect(factory).toHaveBeenCalledTimes(2);
    });

    it('rejects with AuthError when the factory throws synchronously, and recovers on the next call', async () => {
      const failure = new Error('no login');
      const factory = jest
        .fn<() => string>()
        .mockImplementationOnce(() => {
          throw failure;
        })
        .mockImplementationOnce(() => 'ok');
      const tokens = new TokenRenewer(undefined, factory, () => undefined, OPTIONS);

      const error = await tokens.renew(undefined).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuthError);
      expect((error as AuthError).cause).toBe(failure);
      await expect(tokens.renew(undefined)).resolves.toBe('ok');
    });

    it('rejects with AuthError when there is no factory', async () => {
      await expect(new TokenRenewer('t', undefined, () => undefined, OPTIONS).renew('t')).rejects.toBeInstanceOf(AuthError);
    });
  });

  describe('renew with a factory that never settles', () => {
    it('fails the renewal after timeoutMs, aborts the call, and calls the factory again next time', async () => {
      const clock = manualTimer();
      const signals: AbortSignal[] = [];
      const factory = jest
        .fn<(context: { signal: AbortSignal }) => string | Promise<string>>()
        .mockImplementationOnce((context) => {
          signals.push(context.signal);
          return new Promise<string>(() => undefined);
        })
        .mockImplementationOnce(() => 'fresh');
      const tokens = new TokenRenewer('old', factory, () => undefined, { timeoutMs: 2500, timer: clock.timer });

      const first = tokens.renew('old').catch((e: unknown) => e);
      const second = tokens.renew('old').catch((e: unknown) => e);
      await Promise.resolve();
      clock.fire();

      const [a, b] = await Promise.all([first, second]);
      expect(a).toBeInstanceOf(AuthError);
      expect(b).toBe(a);
      expect((a as Error).message).toBe('Vault tokenFactory did not settle within 2.5 s (tokenFactoryTimeout)');
      expect(signals[0]?.aborted).toBe(true);
      await expect(tokens.renew('old')).resolves.toBe('fresh');
      expect(factory).toHaveBeenCalledTimes(2);
      expect(clock.pending()).toBe(0);
    });

    it('ignores a token the timed-out call returns late', async () => {
      const clock = manualTimer();
      let late: (token: string) => void = () => undefined;
      const factory = jest
        .fn<() => string | Promise<string>>()
        .mockImplementationOnce(() => new Promise<string>((resolve) => (late = resolve)))
        .mockImplementationOnce(() => 'newer');
      const tokens = new TokenRenewer('old', factory, () => undefined, { timeoutMs: 10, timer: clock.timer });

      const first = tokens.renew('old').catch((e: unknown) => e);
      await Promise.resolve();
      await Promise.resolve();
      clock.fire();
      expect(await first).toBeInstanceOf(AuthError);
      await expect(tokens.renew('old')).resolves.toBe('newer');
      late('stale-late');
      await new Promise((resolve) => setImmediate(resolve));
      expect(tokens.current()).toBe('newer');
    });

    it('cancels its timer when the factory settles', async () => {
      const clock = manualTimer();
      const tokens = new TokenRenewer('old', () => 'new', () => undefined, { timeoutMs: 10, timer: clock.timer });
      await tokens.renew('old');
      expect(clock.pending()).toBe(0);
    });
  });
});
