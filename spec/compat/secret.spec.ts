// Translates tests/unit/test_secret.py of the original Python vaultly (cop1cat/vaultly v1.0.0).
// The original inspects the pydantic FieldInfo that `Secret(...)` returns; our `@Secret` records a
// spec in class metadata instead (read here through the internal `getSecretFields`), so the
// FieldInfo-type check itself has no equivalent.
import 'reflect-metadata';
import { bindSecrets, getSecret, MockBackend, Secret, SecretModel } from 'vaultly';
import { getSecretFields } from '../../lib/model/metadata.js';
import { ManualClock } from 'vaultly/testing';

describe('@Secret (test_secret.py)', () => {
  it('leaves the property without a value until the model is bound', () => {
    // The original's "default is the MISSING sentinel": ours has no own value at all.
    @SecretModel()
    class App {
      @Secret('/db/password') password!: string;
    }
    const instance = new App();
    expect(Object.getOwnPropertyDescriptor(instance, 'password')).toBeUndefined();
    expect(instance.password).toBeUndefined();
  });

  it('records the path and ttl, and no transform', () => {
    @SecretModel()
    class App {
      @Secret('/db/password', 60) password!: string;
    }
    const specs = getSecretFields(App);
    expect(specs).toHaveLength(1);
    const [spec] = specs;
    expect(spec?.name).toBe('password');
    expect(spec?.template).toBe('/db/password');
    expect(spec?.ttl).toBe(60);
    expect(spec?.transform).toBeUndefined();
  });

  it('reads the recorded path and expires after the recorded ttl', async () => {
    @SecretModel()
    class App {
      @Secret('/db/password', 60) password!: string;
    }
    const backend = new MockBackend({ '/db/password': 'v1' });
    const clock = new ManualClock();
    const config = await bindSecrets(new App(), { backend, clock, refreshJitter: 0 });
    await expect(getSecret(config, 'password')).resolves.toBe('v1');
    clock.advance(59_999);
    await getSecret(config, 'password');
    expect(backend.calls).toEqual([['/db/password', undefined]]);
    backend.set('/db/password', 'v2');
    clock.advance(1);
    await expect(getSecret(config, 'password')).resolves.toBe('v2');
    expect(backend.calls).toHaveLength(2);
  });

  it('carries the transform it was given', async () => {
    const upper = (s: string): string => s.toUpperCase();
    @SecretModel()
    class App {
      @Secret('/x', { transform: upper }) x!: string;
    }
    const [spec] = getSecretFields(App);
    expect(spec?.transform).toBe(upper);
    const config = await bindSecrets(new App(), { backend: new MockBackend({ '/x': 'abc' }) });
    await expect(getSecret(config, 'x')).resolves.toBe('ABC');
  });

  it('makes a fresh spec for each decorated property', () => {
    @SecretModel()
    class App {
      @Secret('/a') a!: string;
      @Secret('/b') b!: string;
    }
    const specs = getSecretFields(App);
    expect(specs.map((s) => [s.name, s.template])).toEqual([
      ['a', '/a'],
      ['b', '/b'],
    ]);
    expect(specs[0]).not.toBe(specs[1]);
  });
});
