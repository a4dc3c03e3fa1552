import { setTimeout as sleep } from 'node:timers/promises';

import type { BackendGetOptions } from 'vaultly';
import { MockBackend } from 'vaultly/testing';

/**
 * A MockBackend whose every `get` takes `latencyMs` first, like a network round trip. `calls`
 * counts the reads that reached it. The sleep is a plain (ref'd) timer on purpose: the bench is
 * waiting on it, and an unref'd one could let the process exit mid-measure.
 */
export class SlowMockBackend extends MockBackend {
  readonly #latencyMs: number;

  constructor(values: Record<string, string>, latencyMs: number) {
    super(values);
    this.#latencyMs = latencyMs;
  }

  override async get(path: string, options: BackendGetOptions = {}): Promise<string> {
    await sleep(this.#latencyMs, undefined, options.signal === undefined ? {} : { signal: options.signal });
    return super.get(path, options);
  }
}
