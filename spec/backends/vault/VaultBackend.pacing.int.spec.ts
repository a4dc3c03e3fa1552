import { AdaptiveRateLimiter, RetryingBackend, TransientError } from 'vaultly';
import { startVaultServer, type VaultServer } from 'vaultly/testing';
import { VaultBackend } from 'vaultly/vault';
import { throttleInfo } from '../../../lib/backends/pacing/throttleInfo.js';
import { rejection } from '../../helpers/outcomes.js';

/** A pacer that records the `timeLeft` each request was acquired with. */
class TimeLeftSpy extends AdaptiveRateLimiter {
  readonly seen: unknown[] = [];
  override acquire(signal?: AbortSignal, timeLeft?: () => number): Promise<number> {
    this.seen.push(timeLeft);
    return super.acquire(signal, timeLeft);
  }
}

describe(`${VaultBackend.name} pacing`, () => {
  let vault: VaultServer;

  beforeEach(async () => {
    vault = await startVaultServer();
  });

  afterEach(async () => {
    await vault.close();
  });

  const backendFor = (options: ConstructorParameters<typeof VaultBackend>[0] = {}): VaultBackend =>
    new VaultBackend({ url: vault.endpoint, token: vault.token, ...options });

  describe('constructor', () => {
    it('builds a pacer of its own, takes a shared one, or none', () => {
      const shared = new AdaptiveRateLimiter({ rateLimit: 5 });
      expect(backendFor().rateLimiter).toBeInstanceOf(AdaptiveRateLimiter);
      expect(backendFor({ rateLimiter: shared }).rateLimiter).toBe(shared);
      expect(backendFor({ rateLimiter: false }).rateLimiter).toBeUndefined();
    });

    it('rejects a bad rateLimit or rateLimiter with a TypeError naming the option', () => {
      expect(() => backendFor({ rateLimit: 0 })).toThrow(/VaultBackend: options\.rateLimit must be/);
      expect(() => backendFor({ rateLimiter: {} as AdaptiveRateLimiter })).toThrow(/VaultBackend: options\.rateLimiter must be/);
      expect(() => backendFor({ rateLimit: 5, rateLimiter: new AdaptiveRateLimiter() })).toThrow(/cannot be combined/);
    });
  });

  describe('throttling', () => {
    // node-vault keeps only a failed response's status and body, so Vault's Retry-After is not seen.
    it("hands the caller's timeLeft to its pacer, for get and for each secret of getBatch", async () => {
      vault.put('db', { value: 'v' });
      vault.put('api', { value: 'w' });
      const limiter = new TimeLeftSpy();
      const backend = backendFor({ rateLimiter: limiter });
      const timeLeft = (): number => 1_234;
      await backend.get('db', { timeLeft });
      await backend.getBatch(['db', 'api'], { timeLeft });
      expect(limiter.seen).toEqual([timeLeft, timeLeft, timeLeft]);
    });

    it('marks a 429 as paced and slows its pacer down', async () => {
      vault.put('db', { value: 'v' });
      vault.faults.setQuota({ rate: 1, burst: 1 });
      const backend = backendFor();
      expect(await backend.get('db')).toBe('v');
      const error = await rejection(backend.get('db'));
      expect(error).toBeInstanceOf(TransientError);
      expect(throttleInfo(error)).toEqual({ paced: true });
      expect(backend.rateLimiter?.rate).toBeLessThan(Number.POSITIVE_INFINITY);
    });

    it('without a pacer, a 429 is still a throttle RetryingBackend can honour, unpaced', async () => {
      vault.put('db', { value: 'v' });
      vault.faults.failNext('throttle');
      const error = await rejection(backendFor({ rateLimiter: false }).get('db'));
      expect(throttleInfo(error)?.paced).toBe(false);
    });

    it('a batch through RetryingBackend with default options completes under a quota, every secret read once', async () => {
      const names = Array.from({ length: 30 }, (_, i) => `s${i}`);
      for (const name of names) vault.put(name, { value: `value-${name}` });
      vault.faults.setQuota({ rate: 40, burst: 10 });
      const backend = new RetryingBackend(backendFor());
      const values = await backend.getBatch(names);
      expect(Object.keys(values)).toHaveLength(30);
      expect(values['s29']).toBe('value-s29');
      const reads = vault.requests.filter((r) => r.op === 'read');
      const served = reads.filter((r) => !r.throttled);
      expect(served).toHaveLength(30);
      expect(reads.length - served.length).toBeGreaterThan(0); // it did meet the quota
    });
  });
});
