import { raceAbort } from '../../internal/abort.js';
import type { Semaphore } from '../../internal/Semaphore.js';
import type { AdaptiveRateLimiter } from '../pacing/AdaptiveRateLimiter.js';
import { isThrottlingError } from '../pacing/isThrottlingError.js';
import { retryAfterOf } from '../pacing/retryAfterOf.js';
import { markThrottled } from '../pacing/throttleInfo.js';
import { keepTurnFresh } from './keepTurnFresh.js';
import { StaleTurn } from './StaleTurn.js';
import { WireSlot } from './WireSlot.js';
import type { CommandWithStack } from './CommandWithStack.js';

/** How {@link sendPaced} sends one request. */
export interface PacedSend {
  /** The caller's signal, if any: it wins the race against the request. */
  readonly signal: AbortSignal | undefined;
  /** Turns what `send` rejected with into vaultly's error. */
  readonly map: (error: unknown) => Error;
  /** Ms until the caller wants the request sent and answered (see `BackendGetOptions.timeLeft`). */
  readonly timeLeft?: (() => number) | undefined;
  /** A batch's places: the request takes one (see {@link BatchWire}). */
  readonly wire?: BatchWire | undefined;
}

/**
 * A batch's places, one `concurrency` of each: `slots` for the calls on the wire, `starts` for the
 * calls being made ready by the SDK or on the wire, not yet at their slot. A call gives its start
 * back once the SDK has made it ready (its wire-slot middleware runs), so one more call can start.
 * The batch runs one call more than `concurrency`: only when the SDK's middleware runs, never with a
 * mocked `send`, whose calls keep their start to the end.
 */
export interface BatchWire {
  readonly slots: Semaphore;
  readonly starts: Semaphore;
}

/**
 * What `send` passes its new command through before sending it: it adds the middleware that checks,
 * right before the wire, that the request's turn in the pacer still holds (and, in a batch while the
 * pacer does not space requests, takes its wire slot late: see {@link WireSlot}).
 */
export type ReadyCommand = <C extends CommandWithStack>(command: C) => C;

/**
 * Sends one request behind `limiter` (when there is one) and tells it how the request went: a
 * success grows the pace, a throttle slows it (honouring `Retry-After`). Failures go through
 * `map` (and free the request's slot in the pacer); a throttled one comes back marked, so
 * `RetryingBackend` knows whether it was paced. The signal wins the race against the request.
 *
 * A batch's request also takes one of the batch's wire slots. While the pacer does not space
 * requests (no `rateLimit`, no throttle yet) it takes it as late as the SDK allows, so the SDK makes
 * it ready while the requests before it are on the wire. Once the pacer spaces requests, the slot
 * comes first and the pacer's turn right before the SDK's work, so what goes on the wire keeps the
 * pacer's spacing.
 *
 * Right before the wire, a request whose turn will not do any more goes back to the pacer for a new
 * one: a throttle was reported after its turn (its pause or cut must hold), or, paced, it spent its
 * turn waiting for a slot. That check runs in the command's middleware, so a client whose `send`
 * is mocked skips it (and never makes a batch's call ready ahead).
 *
 * @param limiter - the backend's pacer, or `undefined` for none
 * @param send - builds the command, passes it through `ready` and sends it; may be called again
 * @param options - the signal, the error mapping, the deadline and the wire slots
 * @example
 * ```ts
 * const output = await sendPaced(limiter, (ready) => client.send(ready(new GetParametersCommand(input))), { signal, map, wire });
 * ```
 */
export async function sendPaced<O>(limiter: AdaptiveRateLimiter | undefined, send: (ready: ReadyCommand) => Promise<O>, options: PacedSend): Promise<O> {
  const { signal, wire } = options;
  const paces = (): boolean => limiter !== undefined && Number.isFinite(limiter.rate);
  const stale = (ticket: number): boolean => limiter?.throttledSince(ticket) === true;
  const started = await wire?.starts.acquire(signal);
  try {
    if (wire !== undefined && !paces()) {
      let turn = 0;
      const slot = new WireSlot(wire.slots, signal, (waited) => stale(turn) || (waited && paces()), () => started?.());
      try {
        const sent = await attempt(
          limiter,
          (ticket) => {
            turn = ticket;
            return send((command) => slot.attach(command));
          },
          options,
        );
        if (sent !== REQUEUED) return sent;
      } finally {
        slot.close(); // after the pacer was told how the request went
      }
    }
    for (;;) {
      const release = await wire?.slots.acquire(signal);
      try {
        const sent = await attempt(limiter, (ticket) => send((command) => keepTurnFresh(command, () => stale(ticket))), options);
        if (sent !== REQUEUED) return sent;
      } finally {
        release?.();
      }
    }
  } finally {
    started?.();
  }
}

/** What {@link attempt} resolves to when its request went back to the pacer (see {@link StaleTurn}). */
const REQUEUED = Symbol('requeued');

async function attempt<O>(
  limiter: AdaptiveRateLimiter | undefined,
  send: (ticket: number) => Promise<O>,
  options: PacedSend,
): Promise<O | typeof REQUEUED> {
  const { signal, map, timeLeft } = options;
  const ticket = limiter === undefined ? 0 : await limiter.acquire(signal, timeLeft);
  try {
    const output = await raceAbort(send(ticket), signal);
    limiter?.onSuccess(ticket);
    return output;
  } catch (error) {
    if (error instanceof StaleTurn) {
      limiter?.onFailure(ticket);
      return REQUEUED;
    }
    const mapped = map(error);
    if (!isThrottlingError(error) || signal?.aborted === true) {
      limiter?.onFailure(ticket);
      throw mapped;
    }
    const retryAfter = retryAfterOf(error);
    limiter?.onThrottle(ticket, retryAfter);
    throw markThrottled(mapped, { paced: limiter !== undefined, ...(retryAfter === undefined ? {} : { retryAfter }) });
  }
}
