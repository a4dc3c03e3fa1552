// Translates tests/unit/test_model_concurrent_fetch.py of the original Python vaultly
// (cop1cat/vaultly v1.0.0). The original races 50 threads on a sleeping backend; here 50
// concurrent `getSecret` calls wait on a backend read that the test releases.
import 'reflect-metadata';
import { Backend, bindSecrets, getSecret, Secret, SecretModel } from 'vaultly';

/** Holds every read until `release()`; counts reads. */
class SlowBackend extends Backend {
  calls = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(readonly value = 'v') {
    super();
  }

  get(): Promise<string> {
    this.calls++;
    return new Promise((resolve) => this.#waiting.push(() => resolve(this.value)));
  }

  release(): void {
    for (const resolve of this.#waiting.splice(0)) resolve();
  }
}

/** Answers at once; counts reads. */
class FastBackend extends Backend {
  calls = 0;
  get(): Promise<string> {
    this.calls++;
    return Promise.resolve('v');
  }
}

@SecretModel()
class App {
  @Secret('/api') apiKey!: string;
}

describe('concurrent fetch (test_model_concurrent_fetch.py)', () => {
  it('makes one backend call for 50 concurrent reads of a cold key', async () => {
    const backend = new SlowBackend('sk');
    const config = await bindSecrets(new App(), { backend });

    const reads = Array.from({ length: 50 }, () => getSecret(config, 'apiKey'));
    // Let every caller reach the backend (or join the fetch in flight) before it answers.
    await new Promise((resolve) => setImmediate(resolve));
    expect(backend.calls).toBe(1);
    backend.release();

    await expect(Promise.all(reads)).resolves.toEqual(Array.from({ length: 50 }, () => 'sk'));
    expect(backend.calls).toBe(1);
  });

  it('serves 10 000 warm reads from the cache without touching the backend', async () => {
    // Differs: the original also asserts the reads take under a second; we assert no timing.
    const backend = new FastBackend();
    const config = await bindSecrets(new App(), { backend });
    await getSecret(config, 'apiKey');

    let hits = 0;
    for (let i = 0; i < 10_000; i++) if (config.apiKey === 'v') hits++;
    for (let i = 0; i < 100; i++) if ((await getSecret(config, 'apiKey')) === 'v') hits++;
    expect(hits).toBe(10_100);
    expect(backend.calls).toBe(1);
  });
});
