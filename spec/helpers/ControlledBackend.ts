import { Backend, SecretNotFoundError, type BackendGetOptions } from 'vaultly';

type Pending = { path: string; version: number | string | undefined; resolve: (v: string) => void; reject: (e: unknown) => void };

/**
 * A backend whose reads wait until the test settles them, or fail as told. Records every get and
 * every getBatch.
 */
export class ControlledBackend extends Backend {
  readonly values = new Map<string, string>();
  readonly gets: [string, number | string | undefined][] = [];
  readonly batches: string[][] = [];
  readonly pending: Pending[] = [];
  /** When set, the next reads fail with this error (a function builds one per read). */
  failWith: ((path: string) => unknown) | undefined;
  /** When true, reads wait in `pending` until settled by the test. */
  hold = false;

  constructor(values: Record<string, string> = {}) {
    super();
    for (const [k, v] of Object.entries(values)) this.values.set(k, v);
  }

  override async getBatch(paths: readonly string[], options?: { signal?: AbortSignal }): Promise<Record<string, string>> {
    this.batches.push([...paths]);
    return super.getBatch(paths, options);
  }

  get(path: string, options: BackendGetOptions = {}): Promise<string> {
    this.gets.push([path, options.version]);
    if (this.hold) {
      return new Promise((resolve, reject) => this.pending.push({ path, version: options.version, resolve, reject }));
    }
    if (this.failWith !== undefined) return Promise.reject(this.failWith(path));
    const key = options.version === undefined ? path : `${path}@${options.version}`;
    const value = this.values.get(key);
    return value === undefined ? Promise.reject(new SecretNotFoundError(`Secret not found: ${path}`, { path })) : Promise.resolve(value);
  }

  /** Resolves every held read from `values` (or rejects with `error`). */
  release(error?: unknown): void {
    for (const p of this.pending.splice(0)) {
      const key = p.version === undefined ? p.path : `${p.path}@${p.version}`;
      const value = this.values.get(key);
      if (error !== undefined) p.reject(error);
      else if (value === undefined) p.reject(new SecretNotFoundError(`Secret not found: ${p.path}`, { path: p.path }));
      else p.resolve(value);
    }
  }
}

/** Lets pending promise callbacks run. */
export async function flush(): Promise<void> {
  for (let i = 0; i < 10; i++) await Promise.resolve();
  await new Promise((r) => setImmediate(r));
}

/** Waits (real time, bounded) until `condition` holds; for work that runs on timers, such as retries. */
export async function until(condition: () => boolean, limitMs = 5_000): Promise<void> {
  const end = Date.now() + limitMs;
  while (!condition() && Date.now() < end) await new Promise((resolve) => setTimeout(resolve, 5));
}
