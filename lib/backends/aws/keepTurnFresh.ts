import { StaleTurn } from './StaleTurn.js';
import type { CommandWithStack } from './WireSlot.js';

/**
 * Adds to `command` (not to the client) a middleware that runs right before it goes on the wire,
 * after the SDK has built, signed and serialized it (which can take long: a credentials refresh),
 * and rejects with {@link StaleTurn} instead of sending when `stale()` says its turn in the pacer
 * no longer holds. Returns `command`.
 *
 * @param command - the command about to be sent
 * @param stale - whether the turn the request holds is stale now
 * @example
 * ```ts
 * await client.send(keepTurnFresh(new GetParameterCommand(input), () => limiter.throttledSince(ticket)));
 * ```
 */
export function keepTurnFresh<C extends CommandWithStack>(command: C, stale: () => boolean): C {
  command.middlewareStack.add(
    (next) => (args) => {
      if (stale()) return Promise.reject(new StaleTurn('a throttle came after this turn'));
      return next(args);
    },
    { step: 'deserialize', priority: 'low', name: 'vaultlyFreshTurn' },
  );
  return command;
}
