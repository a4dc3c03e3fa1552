import { raceAbort } from '../../internal/abort.js';
import type { Semaphore } from '../../internal/Semaphore.js';
import type { AdaptiveRateLimiter } from '../pacing/AdaptiveRateLimiter.js';
import { isThrottlingError } from '../pacing/isThrottlingError.js';
import { retryAfterOf } from '../pacing/retryAfterOf.js';
import { markThrottled } from '../pacing/throttleInfo.js';
import { PacingBegan, WireSlot } from './WireSlot.js';
import type { CommandWithStack } from './WireSlot.js';

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
 * What `send` passes its new command through before sending it: with wire slots, while the pacer
 * does not space requests, this makes the command take its slot late (see {@link WireSlot}).
 */
export type ReadyCommand = <C extends CommandWithStack>(command: C) => C;

const asIs: ReadyCommand = (command) => command;

/**
 * Sends one request behind `limiter` (when there is one) and tells it how the request went: a
 * success grows the pace, a throttle slows it (honouring `Retry-After`). Failures go through
 * `map` (and free the request's slot in the pacer); a throttled one comes back marked, so
 * `RetryingBackend` knows whether it was paced. The signal wins the race against the request.
 *
 * A batch's request also takes one of the batch's wire slots. While the pacer does not space
 * requests (no `rateLimit`, no throttle yet) it takes it as late as the SDK allows, so the SDK makes
 * it ready while the requests before it are on the wire. If pacing begins before it is on the
 * wire, it goes back to the pacer, unless its turn was paced and its slot free at once. Once the
 * pacer spaces requests, the slot comes first and the pacer's turn right before the wire, so what
 * goes on the wire keeps the pacer's spacing.
 *
 * @param limiter - the backend's pacer, or `undefined` for none
 * @param send - builds the command, passes it through `ready` and sends it; may be called twice
 * @param options - the signal, the error mapping, the deadline and the wire slots
 * @example
 * ```ts
 * const output = await sendPaced(limiter, (ready) => client.send(ready(new GetParametersCommand(input))), { signal, map, wire: slots });
 * ```
 */
export async function sendPaced<O>(limiter: AdaptiveRateLimiter | undefined, send: (ready: ReadyCommand) => Promise<O>, options: PacedSend): Promise<O> {
  const { signal, wire } = options;
  if (wire === undefined) return (await attempt(limiter, () => send(asIs), options)) as O;
  const paces = (): boolean => limiter !== undefined && Number.isFinite(limiter.rate);
  const started = await wire.starts.acquire(signal);
  try {
    if (!paces()) {
      // Once the pacer spaces requests, a call goes back for a turn unless its turn was paced and
      // its slot was free at once: a turn from before pacing began, or one spent waiting for a
      // slot, would put it on the wire past a pause or closer than the pacer's spacing.
      let pacedAtTurn = false;
      const slot = new WireSlot(wire.slots, signal, (waited) => paces() && (waited || !pacedAtTurn), started);
      try {
        const sent = await attempt(
          limiter,
          () => {
            pacedAtTurn = paces();
            return send((command) => slot.attach(command));
          },
          options,
        );
        if (sent !== REQUEUED) return sent;
      } finally {
        slot.close(); // after the pacer was told how the request went
      }
    }
    const release = await wire.slots.acquire(signal);
    try {
      return (await attempt(limiter, () => send(asIs), options)) as O;
    } finally {
      release();
    }
  } finally {
    started();
  }
}

/** What {@link attempt} resolves to when a throttle came in while its request waited for its slot. */
const REQUEUED = Symbol('requeued');

async function attempt<O>(limiter: AdaptiveRateLimiter | undefined, send: () => Promise<O>, options: PacedSend): Promise<O | typeof REQUEUED> {
  const { signal, map, timeLeft } = options;
  const ticket = limiter === undefined ? 0 : await limiter.acquire(signal, timeLeft);
  try {
    const output = await raceAbort(send(), signal);
    limiter?.onSuccess(ticket);
    return output;
  } catch (error) {
    if (error instanceof PacingBegan) {
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
