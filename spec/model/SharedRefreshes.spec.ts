import { SharedRefreshes } from '../../lib/model/SharedRefreshes.js';
import type { Slot } from '../../lib/model/Slot.js';
import { ManualClock } from 'vaultly/testing';

const slot = (): Slot => ({}) as Slot;

describe(SharedRefreshes.name, () => {
  describe('run', () => {
    it('shares the refresh in flight among callers', async () => {
      const refreshes = new SharedRefreshes(new ManualClock(), 1_000);
      const target = slot();
      let calls = 0;
      let finish!: () => void;
      const refresh = () => {
        calls++;
        return new Promise<void>((resolve) => (finish = resolve));
      };
      const first = refreshes.run(target, refresh);
      const second = refreshes.run(target, refresh);
      expect(second).toBe(first);
      finish();
      await Promise.all([first, second]);
      expect(calls).toBe(1);
    });

    it('starts no second refresh of a slot within the interval, and one after it', async () => {
      const clock = new ManualClock();
      const refreshes = new SharedRefreshes(clock, 1_000);
      const target = slot();
      const refresh = jestLike();
      await refreshes.run(target, refresh.fn);
      await refreshes.run(target, refresh.fn);
      clock.advance(999);
      await refreshes.run(target, refresh.fn);
      expect(refresh.calls).toBe(1);
      await refreshes.run(slot(), refresh.fn); // another slot has its own limit
      expect(refresh.calls).toBe(2);
      clock.advance(1);
      await refreshes.run(target, refresh.fn);
      expect(refresh.calls).toBe(3);
    });

    it('never rejects: a failed refresh resolves, and counts toward the interval', async () => {
      const refreshes = new SharedRefreshes(new ManualClock(), 1_000);
      const target = slot();
      await expect(refreshes.run(target, () => Promise.reject(new Error('down')))).resolves.toBeUndefined();
      const refresh = jestLike();
      await refreshes.run(target, refresh.fn);
      expect(refresh.calls).toBe(0);
    });
  });
});

function jestLike(): { fn: () => Promise<void>; calls: number } {
  const counter = {
    calls: 0,
    fn: () => {
      counter.calls++;
      return Promise.resolve();
    },
  };
  return counter;
}
