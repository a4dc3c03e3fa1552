import type { Semaphore } from '../../internal/Semaphore.js';
import { bufferBody } from './bufferBody.js';
import type { CommandWithStack, WireHandler, WireOutput } from './CommandWithStack.js';
import { StaleTurn } from './StaleTurn.js';

/**
 * One request's claim on one of a batch's wire slots, taken as late as the SDK allows: right
 * before the command goes on the wire, after the SDK has built, signed and serialized it. A batch
 * then keeps `slots` requests on the wire while the next one is made ready, and the SDK's own work
 * (about a millisecond a request) overlaps the service's latency instead of adding to it.
 *
 * A successful (2xx) response gives the slot back as soon as its body has arrived, before the SDK
 * parses it. Any other outcome (an error answer, which may be a throttle; a dropped connection)
 * keeps the slot until {@link close}, which the sender calls once it has told its pacer how the
 * request went: the request made ready behind it must see that throttle. The SDK's own retries
 * (with a client of your own) keep the slot they hold.
 *
 * When the slot goes straight to a request waiting for it, this response waits two turns of the
 * event loop before it is parsed: one for Node to put the next request on its socket (it does so
 * on `nextTick`, after every promise callback), one for a server in this same process (the
 * loopback test servers) to read it, before this process spends its time on the response.
 *
 * If `requeue(waited)` is true once the slot is taken (`waited`: it was not free at once), the
 * request gives the slot back and rejects with {@link StaleTurn} instead of going out: a request
 * whose turn in the pacer came before a throttle, or that spent its turn waiting for a slot while
 * the pacer spaces requests, must not go on the wire past the pause or the spacing the pacer keeps.
 *
 * @example
 * ```ts
 * const slot = new WireSlot(slots, signal, (waited) => limiter.throttledSince(ticket) || waited, () => undefined);
 * try { await client.send(slot.attach(new GetParametersCommand(input)), abortOption(signal)); }
 * finally { slot.close(); }
 * ```
 */
export class WireSlot {
  readonly #slots: Semaphore;
  readonly #signal: AbortSignal | undefined;
  readonly #requeue: (waited: boolean) => boolean;
  readonly #ready: () => void;
  #held: (() => boolean) | undefined;
  /** Whether the sender is done with this request (it was answered, failed or aborted). */
  #closed = false;
  /** Whether an attempt has run the middleware already. */
  #attempted = false;

  /**
   * @param slots - the batch's wire slots
   * @param signal - the request's signal: a wait for a slot ends with its reason
   * @param requeue - whether the request must go back to the pacer instead of on the wire, given
   *   whether it had to wait for its slot
   * @param ready - called when the SDK has made the request ready (it heads for its slot)
   */
  constructor(slots: Semaphore, signal: AbortSignal | undefined, requeue: (waited: boolean) => boolean, ready: () => void) {
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

  /**
   * The sender is done: gives the slot back, now and if it comes later (an abort can end the send
   * while the middleware is about to take its slot).
   */
  close(): void {
    this.#closed = true;
    this.#giveBack();
  }

  /** Gives the slot back if this request still holds it; returns whether a waiting request got it. */
  #giveBack(): boolean {
    const held = this.#held;
    this.#held = undefined;
    return held?.() ?? false;
  }

  async #send(next: WireHandler, args: never): Promise<WireOutput> {
    this.#ready();
    // Only the first attempt may go back to the pacer: an SDK retry (a client of your own) keeps
    // its slot and goes as it did.
    const first = !this.#attempted;
    this.#attempted = true;
    let waited = false;
    if (this.#held === undefined) {
      this.#held = this.#slots.tryAcquire();
      if (this.#held === undefined) {
        waited = true;
        this.#held = await this.#slots.acquire(this.#signal);
      }
    }
    if (this.#closed) {
      // The sender is gone (aborted while the slot was on its way): nothing may go out now.
      this.#giveBack();
      this.#signal?.throwIfAborted();
      throw new Error('the request ended before it went on the wire');
    }
    if (first && this.#requeue(waited)) {
      this.#giveBack();
      throw new StaleTurn('this turn will not do any more');
    }
    const output = await next(args);
    const response = output.response as { statusCode?: unknown; body?: unknown };
    if (typeof response.statusCode === 'number' && response.statusCode >= 200 && response.statusCode < 300) {
      response.body = await bufferBody(response.body);
      if (this.#giveBack()) await nextTurn().then(nextTurn);
    }
    return output;
  }
}

function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
