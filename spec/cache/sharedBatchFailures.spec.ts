import 'reflect-metadata';
import { Container } from 'inversify';
import { getSecret, PartialBatchError, prefetch, Secret, SecretModel, SecretNotFoundError, TransientError, vaultlyModule } from 'vaultly';
import { ControlledBackend, flush } from '../helpers/ControlledBackend.js';

const SHARED = '/shared/key';
const MISSING = '/tenants/acme/stripe-key';

// Tenant A's model names a path that does not exist; tenant B's names only one that does.
@SecretModel()
class TenantA {
  @Secret(SHARED) key!: string;
  @Secret(MISSING) stripe!: string;
}

@SecretModel()
class TenantB {
  @Secret(SHARED) key!: string;
}

function setUp(values: Record<string, string> = { [SHARED]: 's3cr3t' }) {
  const backend = new ControlledBackend(values);
  backend.hold = true;
  const container = new Container();
  container.load(vaultlyModule({ backend }));
  container.bind(TenantA).toSelf();
  container.bind(TenantB).toSelf();
  return { backend, a: container.get(TenantA), b: container.get(TenantB) };
}

/** Every path an error and its causes name, in messages and in `paths`. */
function named(error: unknown): string {
  const chain: string[] = [];
  for (let e: unknown = error; e instanceof Error; e = e.cause) chain.push(e.message, ...((e as SecretNotFoundError).paths ?? []));
  return chain.join('\n');
}

describe("a root that joins another root's failing batch", () => {
  it("reads an existing secret even though the batch it joined misses another root's path", async () => {
    const { backend, a, b } = setUp();
    const boot = prefetch(a).catch((error: unknown) => error);
    await flush();
    const read = getSecret(b, 'key');
    await flush();
    backend.release();
    await flush();
    // The batch named only /tenants/acme/... missing: B fetches its key itself.
    backend.release();
    await expect(read).resolves.toBe('s3cr3t');
    expect(await boot).toBeInstanceOf(SecretNotFoundError);
    expect(backend.gets.map(([path]) => path)).toEqual([SHARED, MISSING, SHARED]);
  });

  it("prefetches what exists although the batch it joined misses another root's path", async () => {
    const { backend, a, b } = setUp();
    const boot = prefetch(a).catch((error: unknown) => error);
    await flush();
    const own = prefetch(b);
    await flush();
    backend.release();
    await flush();
    backend.release();
    await expect(own).resolves.toBeUndefined();
    expect(b.key).toBe('s3cr3t');
    expect(await boot).toBeInstanceOf(SecretNotFoundError);
  });

  it('gets a value the failing batch did read, without another call', async () => {
    const { backend, a, b } = setUp();
    const boot = prefetch(a).catch((error: unknown) => error);
    await flush();
    const read = getSecret(b, 'key');
    await flush();
    // The batch read the shared key, and failed transiently on A's other path.
    for (const { path, resolve, reject } of backend.pending.splice(0)) {
      if (path === SHARED) resolve('s3cr3t');
      else reject(new TransientError('throttled', { path }));
    }
    await expect(read).resolves.toBe('s3cr3t');
    expect(await boot).toBeInstanceOf(PartialBatchError);
    expect(backend.gets.filter(([path]) => path === SHARED)).toHaveLength(1);
  });

  it('gets a SecretNotFoundError naming only its own path when the batch names it missing', async () => {
    const { backend, a, b } = setUp({});
    const boot = prefetch(a).catch(() => undefined);
    await flush();
    const error = getSecret(b, 'key').catch((e: unknown) => e);
    await flush();
    backend.release();
    const thrown = await error;
    expect(thrown).toBeInstanceOf(SecretNotFoundError);
    expect((thrown as SecretNotFoundError).paths).toEqual([SHARED]);
    expect(named(thrown)).not.toContain('/tenants/acme');
    await boot;
  });
});
