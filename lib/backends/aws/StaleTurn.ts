/**
 * Thrown by a command's middleware right before the command would go on the wire, when its turn in
 * the pacer will not do any more (a throttle was reported after it, or it was spent waiting for a
 * place on the wire): the request goes back to the pacer for a new turn. It never leaves vaultly.
 */
export class StaleTurn extends Error {
  override readonly name = 'StaleTurn';
}
