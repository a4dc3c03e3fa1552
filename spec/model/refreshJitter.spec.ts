import 'reflect-metadata';
import { Container } from 'inversify';
import { bindSecrets, ConfigError, getSecret, MockBackend, prefetch, Secret, SecretModel, vaultlyModule } from 'vaultly';
import { ManualClock } from 'vaultly/testing';
import { thrown } from '../helpers/outcomes.js';

@SecretModel()
class Plain {
  @Secret('/a', 10) a!: string;
  @Secret('/b', 10) b!: string;
  @Secret('/c', 20) c!: string;
}

@SecretModel({ refreshJitter: 0 })
class Exact {
  @Secret('/a', 10) a!: string;
}

const values = { '/a': 'A', '/b': 'B', '/c': 'C' };

/** How many backend reads one `getSecret` of each field makes now (0: fresh). */
async function readsNow<T extends object>(config: T, backend: MockBackend, fields: readonly (keyof T & string)[]): Promise<number[]> {
  const counts: number[] = [];
  for (const field of fields) {
    backend.resetCalls();
    await getSecret(config, field);
    counts.push(backend.calls.length);
  }
  return counts;
}

describe('refreshJitter', () => {
  describe('Function: bindSecrets', () => {
    it('jitters by 0.2 by default, one draw for what was loaded together', async () => {
      const clock = new ManualClock(0);
      const backend = new MockBackend(values);
      let draws = 0;
      const config = await bindSecrets(new Plain(), { backend, clock, random: () => (draws++, 0.5) });
      await getSecret(config, 'a');
      backend.resetCalls();
      // Loaded by one fetch: one draw. The model's fields then expire at 0.9 of their ttl.
      expect(draws).toBe(1);
      clock.advance(8_999);
      expect(await readsNow(config, backend, ['a'])).toEqual([0]);
      clock.advance(1);
      expect(await readsNow(config, backend, ['a'])).toEqual([1]);
    });

    it('expires a prefetched model as one group, each field at its own ttl times the same draw', async () => {
      const clock = new ManualClock(0);
      const backend = new MockBackend(values);
      const draws = [0.5, 0.1, 0.1, 0.1];
      const config = await bindSecrets(new Plain(), { backend, clock, random: () => draws.shift() as number, refreshJitter: 0.4 });
      await prefetch(config);
      clock.advance(7_999);
      expect(await readsNow(config, backend, ['a', 'b'])).toEqual([0, 0]);
      clock.advance(1);
      // a and b expire at 10 s * (1 - 0.4 * 0.5) = 8 s, c at 16 s.
      expect(await readsNow(config, backend, ['a', 'b', 'c'])).toEqual([1, 1, 0]);
    });

    it('refreshJitter 0 expires every secret exactly at its ttl', async () => {
      const clock = new ManualClock(0);
      const backend = new MockBackend(values);
      const config = await bindSecrets(new Plain(), { backend, clock, refreshJitter: 0, random: () => 0.99 });
      await getSecret(config, 'a');
      clock.advance(9_999);
      expect(await readsNow(config, backend, ['a'])).toEqual([0]);
      clock.advance(1);
      expect(await readsNow(config, backend, ['a'])).toEqual([1]);
    });

    it('rejects a bad refreshJitter or random with a TypeError naming the option', async () => {
      const backend = new MockBackend(values);
      await expect(bindSecrets(new Plain(), { backend, refreshJitter: 1 })).rejects.toThrow(
        new TypeError('bindSecrets: options.refreshJitter must be a number from 0 (no jitter) up to, not including, 1'),
      );
      await expect(bindSecrets(new Plain(), { backend, random: 1 as never })).rejects.toThrow(/^bindSecrets: options\.random must be a function/);
    });
  });

  describe('Decorator: @SecretModel', () => {
    it("takes precedence over the container's or bindSecrets' refreshJitter", async () => {
      const clock = new ManualClock(0);
      const backend = new MockBackend(values);
      const config = await bindSecrets(new Exact(), { backend, clock, refreshJitter: 0.5, random: () => 0.99 });
      await getSecret(config, 'a');
      clock.advance(9_999);
      expect(await readsNow(config, backend, ['a'])).toEqual([0]);
    });

    it('rejects a refreshJitter outside [0, 1) with a ConfigError naming the class and the option', () => {
      for (const bad of [1, -1, Number.NaN, '0.1']) {
        const error = thrown<ConfigError>(() => {
          @SecretModel({ refreshJitter: bad as number })
          class Bad {
            @Secret('/a') a!: string;
          }
          return Bad;
        });
        expect(error).toBeInstanceOf(ConfigError);
        expect(error.message).toBe('@SecretModel on Bad: refreshJitter must be a number from 0 (no jitter) up to, not including, 1');
      }
    });
  });

  describe('Function: vaultlyModule', () => {
    it('gives its refreshJitter and random to the container cache', async () => {
      const clock = new ManualClock(0);
      const backend = new MockBackend(values);
      const container = new Container();
      container.load(vaultlyModule({ backend, clock, refreshJitter: 0.5, random: () => 0.5 }));
      container.bind(Plain).toSelf().inSingletonScope();
      const config = await container.getAsync(Plain);
      await getSecret(config, 'a');
      clock.advance(7_499);
      expect(await readsNow(config, backend, ['a'])).toEqual([0]);
      clock.advance(1);
      expect(await readsNow(config, backend, ['a'])).toEqual([1]);
      await container.unbindAll();
    });

    it('rejects a bad refreshJitter at once', () => {
      expect(() => vaultlyModule({ backend: new MockBackend({}), refreshJitter: -0.1 })).toThrow(
        new TypeError('vaultlyModule: options.refreshJitter must be a number from 0 (no jitter) up to, not including, 1'),
      );
    });
  });
});
