/** What the deserialize step gets back: the HTTP response (an `HttpResponse`) is all vaultly reads. */
export interface WireOutput {
  readonly response: unknown;
}

/** A handler of the deserialize step, typed as loosely as vaultly's middleware needs. */
export type WireHandler = (args: never) => Promise<WireOutput>;

/**
 * The part of an SDK command the AWS backends use: its own middleware stack, to which they add a
 * middleware right before the wire (`WireSlot`, `keepTurnFresh`) without touching the client's.
 */
export interface CommandWithStack {
  readonly middlewareStack: {
    add(middleware: (next: WireHandler) => WireHandler, options: { step: 'deserialize'; priority: 'low'; name: string }): void;
  };
}
