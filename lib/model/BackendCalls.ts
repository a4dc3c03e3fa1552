import type { Backend } from '../backends/Backend.js';
import { traceFetch } from '../diagnostics/traceFetch.js';
import { abortReason } from '../internal/abort.js';
import type { Slot } from './Slot.js';

/**
 * A root model's calls into its backend, each traced on the `vaultly:fetch` channel and each on
 * a signal of its own that {@link BackendCalls.abort} (the model's dispose) aborts. Backends add
 * an abort listener to the signal they get; one long-lived signal shared by every call would
 * collect a listener per concurrent read (and a MaxListenersExceededWarning past ten).
 */
export class BackendCalls {
  readonly #backend: Backend;
  readonly #model: string;
  readonly #abort = new AbortController();
  /** One controller per call in flight. */
  readonly #calls = new Set<AbortController>();

  /**
   * @param backend - what the model reads from
   * @param model - the root class name, for the trace
   */
  constructor(backend: Backend, model: string) {
    this.#backend = backend;
    this.#model = model;
  }

  /** Whether {@link abort} was called: later calls start aborted. */
  get aborted(): boolean {
    return this.#abort.signal.aborted;
  }

  /** Number of calls in flight. */
  get inFlight(): number {
    return this.#calls.size;
  }

  /** Aborts every call in flight, and every later one, with `reason`. */
  abort(reason: Error): void {
    this.#abort.abort(reason);
    for (const controller of this.#calls) controller.abort(reason);
    this.#calls.clear();
  }

  /** `backend.getBatch` of `paths`. */
  batch(paths: readonly string[]): Promise<Record<string, string>> {
    return this.#call({ paths, batch: true }, (signal) => this.#backend.getBatch(paths, { signal }));
  }

  /** `backend.get` of one slot, with its version if it has one. */
  get(slot: Slot): Promise<string> {
    const { path, version } = slot;
    return this.#call(version === undefined ? { paths: [path], batch: false } : { paths: [path], batch: false, version }, (signal) =>
      this.#backend.get(path, version === undefined ? { signal } : { version, signal }),
    );
  }

  /**
   * One call, made from a microtask: a backend that throws synchronously then rejects the
   * promise like any other failure (no sibling promise is left unhandled), and a synchronous
   * read that starts a background refresh never runs backend code inside the property getter.
   */
  #call<T>(trace: { paths: readonly string[]; batch: boolean; version?: number | string }, run: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const controller = new AbortController();
    if (this.aborted) controller.abort(this.#abort.signal.reason);
    else this.#calls.add(controller);
    const signal = controller.signal;
    const promise = new Promise<T>((resolve, reject) => {
      // Settled on abort even when the backend ignores the signal. The listener is on this
      // call's own signal, so it goes away with it.
      signal.addEventListener('abort', () => reject(abortReason(signal)), { once: true });
      Promise.resolve()
        .then(() => traceFetch(() => ({ ...trace, model: this.#model }), () => run(signal)))
        .then(resolve, reject);
    });
    const done = (): void => {
      this.#calls.delete(controller);
    };
    promise.then(done, done);
    return promise;
  }
}
