import { Backend, type BackendGetOptions } from '../backends/Backend.js';
import { SecretNotFoundError } from '../errors.js';

/** Options of {@link MockBackend}. */
export interface MockBackendOptions {
  /** Versioned values: `{ [path]: { [version]: value } }`. */
  versions?: Record<string, Record<string | number, string>>;
}

/**
 * An in-memory backend for tests. Records every read in `calls` as `[path, version]`; `set` and
 * `delete` change values for rotation tests. Missing keys reject with `SecretNotFoundError`.
 *
 * @example
 * ```ts
 * const backend = new MockBackend({ '/prod/db/password': 'hunter2' });
 * container.rebind(VAULTLY.Backend).toConstantValue(backend);
 * expect(backend.calls).toEqual([['/prod/db/password', undefined]]);
 * ```
 */
export class MockBackend extends Backend {
  /** Every `get` so far, in order: `[path, version | undefined]`. */
  readonly calls: [string, number | string | undefined][] = [];
  readonly #values: Map<string, string>;
  readonly #versions: Map<string, Map<string, string>>;

  constructor(values: Record<string, string> = {}, options: MockBackendOptions = {}) {
    super();
    this.#values = new Map(Object.entries(values));
    this.#versions = new Map(
      Object.entries(options.versions ?? {}).map(([path, byVersion]) => [path, new Map(Object.entries(byVersion))]),
    );
  }

  // eslint-disable-next-line @typescript-eslint/require-await
  async get(path: string, options: BackendGetOptions = {}): Promise<string> {
    options.signal?.throwIfAborted();
    const { version } = options;
    this.calls.push([path, version]);
    const value = version === undefined ? this.#values.get(path) : this.#versions.get(path)?.get(String(version));
    if (value === undefined) {
      const what = version === undefined ? path : `${path} (version ${String(version)})`;
      throw new SecretNotFoundError(`Secret not found: ${what}`, { path });
    }
    return value;
  }

  /** Sets (or rotates) an unversioned value. */
  set(path: string, value: string): void {
    this.#values.set(path, value);
  }

  /** Removes a value, versions included. */
  delete(path: string): void {
    this.#values.delete(path);
    this.#versions.delete(path);
  }

  /** Forgets the recorded calls. */
  resetCalls(): void {
    this.calls.length = 0;
  }
}
