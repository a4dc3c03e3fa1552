import type { Backend } from '../backends/Backend.js';
import { SharedFetches } from '../cache/SharedFetches.js';
import { traceFetch } from '../diagnostics/traceFetch.js';
import { abortReason } from '../internal/abort.js';
import { cacheKey, type Slot } from './Slot.js';

type Trace = { paths: readonly string[]; batch: boolean; version?: number | string };

/**
 * A root model's calls into its backend. Each call waits on a signal of its own that
 * {@link BackendCalls.abort} (the model's dispose) aborts; the backend call itself is made through
 * the cache's {@link SharedFetches}, so that roots loading the same key at once share one call
 * (traced once on the `vaultly:fetch` channel, by the root that started it), which is aborted
 * only when every root waiting on it has stopped. Backends add an abort listener to the signal
 * they get; one long-lived signal shared by every call would collect a listener per concurrent
 * read (and a MaxListenersExceededWarning past ten). A forced call (an explicit refresh) starts a
 * new generation of its keys first, so that no root lends a value that may predate it.
 */
export class BackendCalls {
  readonly #backend: Backend;
  readonly #model: string;
  readonly #shared: SharedFetches;
  /** Why the model was disposed; later calls start aborted with it. */
  #reason: Error | undefined = undefined;
  /** One controller per call in flight; made on the first call (most models load once). */
  #calls: Set<AbortController> | undefined = undefined;

  /**
   * @param backend - what the model reads from
   * @param model - the root class name, for the trace
   * @param shared - the cache's fetches in flight on `backend` (default: a table of its own)
   */
  constructor(backend: Backend, model: string, shared: SharedFetches = new SharedFetches()) {
    this.#backend = backend;
    this.#model = model;
    this.#shared = shared;
  }

  /** Whether {@link abort} was called: later calls start aborted. */
  get aborted(): boolean {
    return this.#reason !== undefined;
  }

  /** Number of calls in flight. */
  get inFlight(): number {
    return this.#calls?.size ?? 0;
  }

  /** Aborts every call in flight, and every later one, with `reason`. */
  abort(reason: Error): void {
    this.#reason ??= reason;
    const calls = this.#calls;
    if (calls === undefined) return;
    this.#calls = undefined;
    for (const controller of calls) controller.abort(reason);
  }

  /**
   * `backend.getBatch` of `paths`, joining the keys another root is fetching unless `force`.
   * `signal` (a caller's) stops this root's wait on the call too, not only the model's dispose.
   */
  batch(paths: readonly string[], force = false, signal?: AbortSignal): Promise<Record<string, string>> {
    if (force && this.#reason === undefined) for (const path of paths) this.#shared.beginRefresh(path);
    return this.#call(
      (own) => this.#shared.batch(paths, own, force, (rest, shared) => this.#traced({ paths: rest, batch: true }, () => this.#backend.getBatch(rest, { signal: shared }))),
      signal,
    );
  }

  /**
   * `backend.get` of one slot, with its version if it has one, joining another root's fetch of it
   * unless `force`. `signal` (a caller's) stops this root's wait on the call too.
   */
  get(slot: Slot, force = false, signal?: AbortSignal): Promise<string> {
    const { path, version } = slot;
    const key = cacheKey(path, version);
    if (force && this.#reason === undefined) this.#shared.beginRefresh(key);
    return this.#call(
      (own) =>
        this.#shared.get(key, own, force, (shared) =>
          this.#traced(version === undefined ? { paths: [path], batch: false } : { paths: [path], batch: false, version }, () =>
            this.#backend.get(path, version === undefined ? { signal: shared } : { version, signal: shared }),
          ),
        ),
      signal,
    );
  }

  /** The generation of `key` a fetch starting now gets (see {@link SharedFetches.generation}). */
  generation(key: string): number {
    return this.#shared.generation(key);
  }

  #traced<T>(trace: Trace, run: () => Promise<T>): Promise<T> {
    return traceFetch(() => ({ ...trace, model: this.#model }), run);
  }

  /**
   * One call, made from a microtask: a backend that throws synchronously then rejects the
   * promise like any other failure (no sibling promise is left unhandled), and a synchronous
   * read that starts a background refresh never runs backend code inside the property getter.
   */
  #call<T>(run: (signal: AbortSignal) => Promise<T>, caller: AbortSignal | undefined): Promise<T> {
    // A disposed model reaches the backend no more.
    if (this.#reason !== undefined) return Promise.reject(this.#reason);
    if (caller?.aborted === true) return Promise.reject(abortReason(caller));
    const controller = new AbortController();
    (this.#calls ??= new Set()).add(controller);
    const signal = controller.signal;
    // The caller giving up aborts this root's wait, as the model's dispose does.
    const onCaller = (): void => controller.abort(abortReason(caller as AbortSignal));
    caller?.addEventListener('abort', onCaller, { once: true });
    const promise = new Promise<T>((resolve, reject) => {
      // Settled on abort even when the backend ignores the signal. The listener is on this
      // call's own signal, so it goes away with it.
      signal.addEventListener('abort', () => reject(abortReason(signal)), { once: true });
      Promise.resolve()
        .then(() => run(signal))
        .then(resolve, reject);
    });
    const done = (): void => {
      const calls = this.#calls;
      // Dropped when empty: most models make their calls at boot and none for a long while after.
      if (calls !== undefined && calls.delete(controller) && calls.size === 0) this.#calls = undefined;
      caller?.removeEventListener('abort', onCaller);
    };
    promise.then(done, done);
    return promise;
  }
}
