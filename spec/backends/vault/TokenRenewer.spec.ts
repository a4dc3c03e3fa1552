import { jest } from '@jest/globals';
import { AuthError } from 'vaultly';
import { TokenRenewer } from '../../../lib/backends/vault/TokenRenewer.js';

describe(TokenRenewer.name, () => {
  describe('current', () => {
    it('prefers its own token, then the fallback, and treats an empty one as none', () => {
      expect(new TokenRenewer('own', undefined, () => 'client').current()).toBe('own');
      expect(new TokenRenewer(undefined, undefined, () => 'client').current()).toBe('client');
      expect(new TokenRenewer(undefined, undefined, () => '').current()).toBeUndefined();
    });
  });

  describe('renew', () => {
    it('calls the factory once for concurrent renewals of the same token', async () => {
      const factory = jest.fn(async () => 'new');
      const tokens = new TokenRenewer('old', factory, () => undefined);

      const renewed = await Promise.all([tokens.renew('old'), tokens.renew('old'), tokens.renew('old')]);

      expect(renewed).toEqual(['new', 'new', 'new']);
      expect(factory).toHaveBeenCalledTimes(1);
      expect(tokens.current()).toBe('new');
    });

    it('returns the current token without a call when the rejected one was already replaced', async () => {
      const factory = jest.fn(() => 'new');
      const tokens = new TokenRenewer('old', factory, () => undefined);
      await tokens.renew('old');

      await expect(tokens.renew('old')).resolves.toBe('new');
      expect(factory).toHaveBeenCalledTimes(1);
    });

    it('calls the factory again when the renewed token is rejected in turn', async () => {
      let n = 0;
      const factory = jest.fn(() => `t${++n}`);
      const tokens = new TokenRenewer('t0', factory, () => undefined);

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
      const tokens = new TokenRenewer(undefined, factory, () => undefined);

      const error = await tokens.renew(undefined).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AuthError);
      expect((error as AuthError).cause).toBe(failure);
      await expect(tokens.renew(undefined)).resolves.toBe('ok');
    });

    it('rejects with AuthError when there is no factory', async () => {
      await expect(new TokenRenewer('t', undefined, () => undefined).renew('t')).rejects.toBeInstanceOf(AuthError);
    });
  });
});
