import { StaleTurn } from './StaleTurn.js';
import type { CommandWithStack } from './CommandWithStack.js';

/**
 * Adds to `command` (not to the client) a middleware that runs right before it goes on the wire,
 * after the SDK has built, signed and serialized it (which can take long: a credentials refresh),
 * and rejects with {@link StaleTurn} instead of sending when `stale()` says its turn in the pacer
 * no longer holds. Only the first attempt is checked: a StaleTurn on an SDK retry of a client of
 * your own would start the SDK's attempts over. Returns `command`.
 *
 * @param command - the command about to be sent
 * @param stale - whether the turn the request holds is stale now
 * @example
 * ```ts
 * await client.send(keepTurnFresh(new GetParameterCommand(input), () => limiter.throttledSince(ticket)));
 * ```
 */
export function keepTurnFresh<C extends CommandWithStack>(command: C, stale: () => boolean): C {
  let first = true;
  command.middlewareStack.add(
    (next) => (args) => {
      // Only the first attempt: the SDK's own retries (a client of your own) go as they did.
      const check = first;
      first = false;
      if (check && stale()) return Promise.reject(new StaleTurn('a throttle came after this turn'));
      return next(args);
    },
    { step: 'deserialize', priority: 'low', name: 'vaultlyFreshTurn' },
  );
  return command;
}
