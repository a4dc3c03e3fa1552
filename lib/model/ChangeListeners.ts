import { log, type Logger } from '../logging/Logger.js';
import type { ChangeEvent, ChangeListener } from './ChangeEvent.js';
import type { BoundField } from './Slot.js';

interface Registration {
  readonly listener: ChangeListener;
  /** The bindings it listens to; undefined for every field of the tree. */
  readonly bindings: ReadonlySet<BoundField> | undefined;
}

const NONE: readonly Registration[] = Object.freeze([]);

/**
 * The `onChange` listeners of one root model. A listener that throws or rejects is logged
 * (names only, never a value) and ignored, so one broken listener cannot stop the others or the
 * refresh that stored the value.
 */
export class ChangeListeners {
  /** Copied on write; starts as one shared empty list (most models never get a listener). */
  #registrations: readonly Registration[] = NONE;
  readonly #logger: Logger;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  /** Adds a listener; the function returned removes it (a second call does nothing). */
  add(listener: ChangeListener, bindings: ReadonlySet<BoundField> | undefined): () => void {
    const registration: Registration = { listener, bindings };
    this.#registrations = [...this.#registrations, registration];
    return () => {
      this.#registrations = this.#registrations.filter((other) => other !== registration);
    };
  }

  /** Calls each listener interested in `binding`. The list is copied on write: a listener may unsubscribe. */
  deliver(binding: BoundField, event: ChangeEvent): void {
    for (const { listener, bindings } of this.#registrations) {
      if (bindings !== undefined && !bindings.has(binding)) continue;
      try {
        const result = listener(event);
        if (isThenable(result)) result.then(undefined, (error: unknown) => this.#failed(event, error));
      } catch (error) {
        this.#failed(event, error);
      }
    }
  }

  /** Drops every listener (the model was disposed). */
  clear(): void {
    this.#registrations = NONE;
  }

  #failed(event: ChangeEvent, error: unknown): void {
    const fields = { model: event.model, field: event.field, path: event.path, error: error instanceof Error ? error.name : typeof error };
    log(this.#logger, typeof this.#logger.error === 'function' ? 'error' : 'warn', fields, 'vaultly: an onChange listener failed; ignored');
  }
}

function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as { then?: unknown }).then === 'function';
}
