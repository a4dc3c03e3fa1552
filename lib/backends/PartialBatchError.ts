import { TransientError, type VaultlyErrorOptions } from '../errors.js';

/** Paths of a batch that one failed request still owes, with the failure. */
export interface OwedPaths {
  /** The paths the failed request asked for (for SSM, one `GetParameters` chunk). */
  readonly paths: readonly string[];
  /** Why they are owed: a `TransientError` as the backend mapped it. */
  readonly error: unknown;
}

/** Options of {@link PartialBatchError}. */
export interface PartialBatchErrorOptions extends VaultlyErrorOptions {
  /** The values read so far, by path. Kept out of every rendering of the error. */
  fetched: Readonly<Record<string, string>>;
  /** What is still owed, one entry per failed request. At least one. */
  owed: readonly OwedPaths[];
  /** Paths the backend reported missing so far. */
  missing?: readonly string[];
}

// A Symbol.for key, so that a second copy of vaultly in the process can still read the values.
const FETCHED: unique symbol = Symbol.for('vaultly.partialBatch.fetched') as never;

/**
 * A batched read that made progress but could not finish: some requests failed with a
 * `TransientError` while others succeeded. `RetryingBackend` retries only the paths still
 * {@link PartialBatchError.owed | owed} and merges what was already fetched, so a chunk that
 * succeeded is never requested again within the same `getBatch`.
 *
 * The values already read are held out of sight: not an enumerable or own data property, so
 * `util.inspect` (even with `showHidden`), `JSON.stringify`, the message and the stack never show
 * them. Read them with {@link PartialBatchError.fetchedValues}.
 *
 * @example
 * ```ts
 * try { await backend.getBatch(paths); } catch (e) {
 *   if (PartialBatchError.is(e)) console.warn(`${e.owedPaths.length} paths still owed`);
 * }
 * ```
 */
export class PartialBatchError extends TransientError {
  static override readonly kind: string = 'PartialBatchError';
  /** What is still owed, one entry per failed request, each with its failure. */
  readonly owed: readonly OwedPaths[];
  /** Paths the backend reported missing, to be named with any others once the batch is done. */
  readonly missing: readonly string[];
  declare readonly [FETCHED]: () => Record<string, string>;

  constructor(message: string, options: PartialBatchErrorOptions) {
    const { fetched, owed, missing = [], ...rest } = options;
    super(message, { ...rest, cause: rest.cause ?? owed[0]?.error });
    this.owed = Object.freeze(owed.map((o) => Object.freeze({ paths: Object.freeze([...o.paths]), error: o.error })));
    this.missing = Object.freeze([...missing]);
    // A closure rather than an object: inspect shows a function as `[Function]`, never its contents.
    const values = Object.assign(Object.create(null) as Record<string, string>, fetched);
    Object.defineProperty(this, FETCHED, { value: () => Object.assign(Object.create(null) as Record<string, string>, values) });
  }

  /** Every owed path, across the failed requests. */
  get owedPaths(): readonly string[] {
    return this.owed.flatMap((o) => o.paths);
  }

  /**
   * The values read before the batch gave up, by path (a fresh null-prototype copy). Works on a
   * `PartialBatchError` from another copy of vaultly too.
   */
  static fetchedValues(error: PartialBatchError): Record<string, string> {
    const read = (error as { [FETCHED]?: unknown })[FETCHED];
    return typeof read === 'function' ? (read as () => Record<string, string>)() : (Object.create(null) as Record<string, string>);
  }
}
