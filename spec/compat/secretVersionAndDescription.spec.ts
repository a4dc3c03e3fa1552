// Translates tests/test_secret_version_and_description.py of the original Python vaultly
// (cop1cat/vaultly): `version` and `description` on a secret. The spec record is read through the
// internal `getSecretFields`; the original's test of the spec's Python repr has no equivalent.
import 'reflect-metadata';
import {
  bindSecrets,
  getSecret,
  MissingContextVariableError,
  MockBackend,
  prefetch,
  refresh,
  Secret,
  SecretModel,
} from 'vaultly';
import { getSecretFields } from '../../lib/model/metadata.js';
import { rejection, thrown } from '../helpers/outcomes.js';

describe('the spec record (test_secret_version_and_description.py)', () => {
  it('records version and description', () => {
    @SecretModel()
    class App {
      @Secret('/db/password', { version: 3, description: 'primary db creds' }) password!: string;
    }
    const [spec] = getSecretFields(App);
    expect(spec?.version).toBe(3);
    expect(spec?.description).toBe('primary db creds');
  });

  it('leaves version and description undefined by default', () => {
    @SecretModel()
    class App {
      @Secret('/x') x!: string;
    }
    const [spec] = getSecretFields(App);
    expect(spec?.version).toBeUndefined();
    expect(spec?.description).toBeUndefined();
  });
});

@SecretModel()
class Versioned {
  @Secret('/db/password', { version: 2 }) pinned!: string;
  @Secret('/db/password') latest!: string;
}

function versionedBackend(): MockBackend {
  return new MockBackend({ '/db/password': 'current' }, { versions: { '/db/password': { 2: 'older' } } });
}

describe('version on fetch (test_secret_version_and_description.py)', () => {
  it('passes the version to the backend', async () => {
    const backend = versionedBackend();
    const config = await bindSecrets(new Versioned(), { backend });
    await expect(getSecret(config, 'pinned')).resolves.toBe('older');
    await expect(getSecret(config, 'latest')).resolves.toBe('current');
    // Two distinct backend calls, one per version (none included).
    expect(backend.calls).toHaveLength(2);
    expect(backend.calls).toEqual(
      expect.arrayContaining([
        ['/db/password', 2],
        ['/db/password', undefined],
      ]),
    );
  });

  it('caches versioned and unversioned values apart', async () => {
    const backend = versionedBackend();
    const config = await bindSecrets(new Versioned(), { backend });
    await getSecret(config, 'pinned');
    await getSecret(config, 'latest');
    backend.resetCalls();
    await getSecret(config, 'pinned');
    await getSecret(config, 'latest');
    expect(config.pinned).toBe('older');
    expect(config.latest).toBe('current');
    expect(backend.calls).toEqual([]);
  });

  it('refreshes only the version of the field named', async () => {
    const backend = versionedBackend();
    const config = await bindSecrets(new Versioned(), { backend });
    await getSecret(config, 'pinned');
    await getSecret(config, 'latest');
    backend.resetCalls();
    await refresh(config, 'pinned');
    expect(backend.calls).toEqual([['/db/password', 2]]);
  });
});

describe('version on prefetch (test_secret_version_and_description.py)', () => {
  it('fetches versioned secrets one by one and the rest in one batch', async () => {
    @SecretModel()
    class Mixed {
      @Secret('/p', { version: 1 }) pinned!: string;
      @Secret('/a') a!: string;
      @Secret('/b') b!: string;
    }
    class TrackingBackend extends MockBackend {
      readonly batchCalls: string[][] = [];
      override getBatch(paths: readonly string[], options?: { signal?: AbortSignal }): Promise<Record<string, string>> {
        this.batchCalls.push([...paths]);
        return super.getBatch(paths, options);
      }
    }
    const backend = new TrackingBackend({ '/a': '1', '/b': '2' }, { versions: { '/p': { 1: 'pv' } } });
    const config = await bindSecrets(new Mixed(), { backend });
    await prefetch(config);

    expect(backend.batchCalls).toHaveLength(1);
    expect([...(backend.batchCalls[0] ?? [])].sort()).toEqual(['/a', '/b']);
    expect(backend.calls.filter(([, version]) => version !== undefined)).toEqual([['/p', 1]]);
    expect([config.pinned, config.a, config.b]).toEqual(['pv', '1', '2']);
  });
});

describe('description in error messages (test_secret_version_and_description.py)', () => {
  @SecretModel({ validate: 'none' })
  class App {
    @Secret('/db/{stage}/password', { description: 'postgres prod credentials' }) db!: string;
  }

  it('names the description in a missing-context error on read', async () => {
    const config = await bindSecrets(new App(), { backend: new MockBackend({}) });
    const syncError = thrown(() => config.db);
    expect(syncError).toBeInstanceOf(MissingContextVariableError);
    expect((syncError as Error).message).toContain('stage');
    expect((syncError as Error).message).toContain('postgres prod credentials');
    const readError = await rejection(getSecret(config, 'db'));
    expect(readError).toBeInstanceOf(MissingContextVariableError);
    expect((readError as Error).message).toContain('postgres prod credentials');
  });

  it('names the description in a missing-context error at bind time', async () => {
    // Our validate: 'paths' reports the same error when binding; the original's rule applies to it.
    @SecretModel()
    class Strict {
      @Secret('/db/{stage}/password', { description: 'postgres prod credentials' }) db!: string;
    }
    const error = await rejection(bindSecrets(new Strict(), { backend: new MockBackend({}) }));
    expect(error).toBeInstanceOf(MissingContextVariableError);
    expect((error as Error).message).toContain('stage');
    expect((error as Error).message).toContain('postgres prod credentials');
  });
});
