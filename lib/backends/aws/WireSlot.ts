import type { Semaphore } from '../../internal/Semaphore.js';
import { bufferBody } from './bufferBody.js';

/** What the deserialize step gets back: the HTTP response (an `HttpResponse`) is all this reads. */
interface WireOutput {
  readonly response: unknown;
}

/** A handler of the deserialize step, typed as loosely as this file needs. */
type WireHandler = (args: never) => Promise<WireOutput>;

/** The part of an SDK command used here: its own middleware stack. */
export interface CommandWithStack {
  readonly middlewareStack: {
    add(middleware: (next: WireHandler) => WireHandler, options: { step: 'deserialize'; priority: 'low'; name: string }): void;
  };
}

/**
 * Thrown by a command's wire-slot middleware, before the command goes on the wire, when the pacer
 * began spacing requests while it waited for its slot: the request goes back to the pacer.
 */
export class PacingBegan extends Error {
  override readonly name = 'PacingBegan';
}

/**
 * One request's claim on one of a batch's wire slots, taken as late as the SDK allows: right
 * before the command goes on the wire, after the SDK has built, signed and serialized it. A batch
 * then keeps `slots` requests on the wire while the next one is made ready, and the SDK's own work
 * (about a millisecond a request) overlaps the service's latency instead of adding to it.
 *
 * A successful (2xx) response gives the slot back as soon as its body has arrived, before the SDK
 * parses it. Any other outcome (an error answer, which may be a throttle; a dropped connection)
 * keeps the slot until {@link release}, which the sender calls once it has told its pacer how the
 * request went: the request made ready behind it must see that throttle. The SDK's own retries
 * (with a client of your own) keep the slot they hold.
 *
 * When the slot goes straight to a request waiting for it, this response waits two turns of the
 * event loop before it is parsed: one for Node to put the next request on its socket (it does so
 * on `nextTick`, after every promise callback), one for a server in this same process (the
 * loopback test servers) to read it, before this process spends its time on the response.
 *
 * If `requeue()` has become true by the time the slot comes (the pacer began spacing requests
 * after this one's turn), the request gives the slot back and rejects with {@link PacingBegan}
 * instead of going out: a request made ready before a throttle must not go on the wire past the
 * pause that throttle asked for.
 *
 * @example
 * ```ts
 * const slot = new WireSlot(slots, signal, () => Number.isFinite(limiter.rate), () => undefined);
 * try { await client.send(slot.attach(new GetParametersCommand(input)), abortOption(signal)); }
 * finally { slot.release(); }
 * ```
 */
export class WireSlot {
  readonly #slots: Semaphore;
  readonly #signal: AbortSignal | undefined;
  readonly #requeue: () => boolean;
  readonly #ready: () => void;
  #release: (() => boolean) | undefined;

  /**
   * @param slots - the batch's wire slots
   * @param signal - the request's signal: a wait for a slot ends with its reason
   * @param requeue - whether the request must go back to the pacer instead of on the wire
   * @param ready - called when the SDK has made the request ready (it heads for its slot)
   */
  constructor(slots: Semaphore, signal: AbortSignal | undefined, requeue: () => boolean, ready: () => void) {
    this.#slots = slots;
    this.#signal = signal;
    this.#requeue = requeue;
    this.#ready = ready;
  }

  /** Adds the middleware that takes the slot to `command` (not to the client) and returns `command`. */
  attach<C extends CommandWithStack>(command: C): C {
    command.middlewareStack.add((next) => (args) => this.#send(next, args), { step: 'deserialize', priority: 'low', name: 'vaultlyWireSlot' });
    return command;
  }

  /** Gives the slot back if this request still holds it; returns whether a waiting request got it. */
  release(): boolean {
    const release = this.#release;
    this.#release = undefined;
    return release?.() ?? false;
  }

  async #send(next: WireHandler, args: never): Promise<WireOutput> {
    this.#ready();
    this.#release ??= await this.#slots.acquire(this.#signal);
    if (this.#requeue()) {
      this.release();
      throw new PacingBegan('the pacer began spacing requests');
    }
    const output = await next(args);
    const response = output.response as { statusCode?: unknown; body?: unknown };
    if (typeof response.statusCode === 'number' && response.statusCode >= 200 && response.statusCode < 300) {
      response.body = await bufferBody(response.body);
      if (this.release()) await nextTurn().then(nextTurn);
    }
    return output;
  }
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
