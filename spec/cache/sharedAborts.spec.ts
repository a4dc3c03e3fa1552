import 'reflect-metadata';
import { Container } from 'inversify';
import { Backend, dispose, getSecret, Secret, SecretModel, SecretNotFoundError, vaultlyModule, type BackendGetOptions } from 'vaultly';
import { flush } from '../helpers/ControlledBackend.js';

/**
 * Like an HTTP client: reads wait until `release()`, and an abort rejects the read on a later
 * tick (socket teardown is asynchronous), not synchronously.
 */
class HttpLikeBackend extends Backend {
  readonly signals: AbortSignal[] = [];
  readonly #pending: { path: string; resolve: (value: string) => void; reject: (error: unknown) => void }[] = [];

  constructor(readonly values: Record<string, string>) {
    super();
  }

  get(path: string, options: BackendGetOptions = {}): Promise<string> {
    const signal = options.signal as AbortSignal;
    this.signals.push(signal);
    return new Promise((resolve, reject) => {
      this.#pending.push({ path, resolve, reject });
      signal.addEventListener('abort', () => setImmediate(() => reject(signal.reason)), { once: true });
    });
  }

  /** Answers every held read. */
  release(): void {
    for (const { path, resolve, reject } of this.#pending.splice(0)) {
      const value = this.values[path];
      if (value === undefined) reject(new SecretNotFoundError(`Secret not found: ${path}`, { path }));
      else resolve(value);
    }
  }
}

@SecretModel()
class RequestConfig {
  @Secret('/svc/key') key!: string;
}

function setUp() {
  const backend = new HttpLikeBackend({ '/svc/key': 'v1' });
  const container = new Container();
  container.load(vaultlyModule({ backend }));
  container.bind(RequestConfig).toSelf(); // transient: one per request
  return { backend, container };
}

describe('a shared backend call whose waiters leave', () => {
  it('is not joined once aborted: a root that starts reading right after the last waiter was disposed fetches anew', async () => {
    const { backend, container } = setUp();
    const first = container.get(RequestConfig);
    const firstRead = getSecret(first, 'key').catch((error: unknown) => error);
    await flush();
    dispose(first); // request 1 ends: its call is aborted, and its backend read rejects later
    const second = getSecret(container.get(RequestConfig), 'key');
    await flush();
    backend.release();
    await expect(second).resolves.toBe('v1');
    expect(backend.signals.map((signal) => signal.aborted)).toEqual([true, false]);
    expect(await firstRead).toMatchObject({ name: 'ConfigError' });
  });

  it('is aborted when the only caller waiting on it gives up (getSecret signal)', async () => {
    const { backend, container } = setUp();
    const controller = new AbortController();
    const read = getSecret(container.get(RequestConfig), 'key', { signal: controller.signal }).catch((error: unknown) => error);
    await flush();
    controller.abort(new Error('client went away'));
    expect(await read).toMatchObject({ message: 'client went away' });
    expect(backend.signals[0]?.aborted).toBe(true);
  });

  it('leaves no error behind on the root whose caller gave up: its next read fetches and succeeds', async () => {
    const { backend, container } = setUp();
    const root = container.get(RequestConfig);
    const controller = new AbortController();
    const read = getSecret(root, 'key', { signal: controller.signal }).catch((error: unknown) => error);
    await flush();
    controller.abort();
    await read;
    const again = getSecret(root, 'key');
    await flush();
    backend.release();
    await expect(again).resolves.toBe('v1');
    expect(backend.signals).toHaveLength(2);
  });

  it('keeps running while another caller of the same root or of another root still waits', async () => {
    const { backend, container } = setUp();
    const root = container.get(RequestConfig);
    const leaving = new AbortController();
    const gone = getSecret(root, 'key', { signal: leaving.signal }).catch((error: unknown) => error);
    const sameRoot = getSecret(root, 'key', { signal: new AbortController().signal });
    const otherRoot = getSecret(container.get(RequestConfig), 'key', { signal: new AbortController().signal });
    await flush();
    leaving.abort();
    await gone;
    await flush();
    expect(backend.signals.map((signal) => signal.aborted)).toEqual([false]);
    backend.release();
    await expect(Promise.all([sameRoot, otherRoot])).resolves.toEqual(['v1', 'v1']);
  });

  it('keeps running for a caller without a signal that joined after a caller with one', async () => {
    const { backend, container } = setUp();
    const root = container.get(RequestConfig);
    const leaving = new AbortController();
    const gone = getSecret(root, 'key', { signal: leaving.signal }).catch((error: unknown) => error);
    const staying = getSecret(root, 'key');
    await flush();
    leaving.abort();
    await gone;
    await flush();
    expect(backend.signals[0]?.aborted).toBe(false);
    backend.release();
    await expect(staying).resolves.toBe('v1');
  });
});
