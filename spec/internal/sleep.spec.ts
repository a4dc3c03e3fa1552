import { getEventListeners } from 'node:events';
import { sleep } from '../../lib/internal/sleep.js';
import { withTimerTracking } from '../helpers/timerTracking.js';


describe(sleep.name, () => {
  it('resolves after the delay with a ref()d timer (a pending retry keeps a script alive) and leaves no listener', async () => {
    const controller = new AbortController();
    const { created, live } = await withTimerTracking(() => sleep(5, controller.signal));
    expect(created).toHaveLength(1);
    expect(created[0]?.hasRef()).toBe(true);
    expect(live.size).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('rejects with the signal reason when aborted during the wait, clearing its timer', async () => {
    const controller = new AbortController();
    const reason = new Error('stop');
    let outcome: unknown;
    const { created, live } = await withTimerTracking(async () => {
      const pending = sleep(60_000, controller.signal);
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(1);
      controller.abort(reason);
      outcome = await pending.catch((error: unknown) => error);
    });
    expect(outcome).toBe(reason);
    expect(created).toHaveLength(1);
    expect(live.size).toBe(0);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('rejects at once without a timer when the signal is already aborted', async () => {
    const reason = new Error('already');
    let outcome: unknown;
    const { created } = await withTimerTracking(async () => {
      outcome = await sleep(60_000, AbortSignal.abort(reason)).catch((error: unknown) => error);
    });
    expect(outcome).toBe(reason);
    expect(created).toHaveLength(0);
  });

  it('works without a signal', async () => {
    await expect(sleep(1)).resolves.toBeUndefined();
  });
});
