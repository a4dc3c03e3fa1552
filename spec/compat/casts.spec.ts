// Translates tests/unit/test_casts.py of the original Python vaultly (cop1cat/vaultly v1.0.0).
// The original calls the internal `cast_value(raw, type, transform)`; here every case goes through
// a model field, whose TypeScript `design:type` picks the cast, and `getSecret`.
import 'reflect-metadata';
import { bindSecrets, ConfigError, getSecret, MockBackend, Secret, SecretModel, VaultlyError } from 'vaultly';
import { canary } from '../helpers/canary.js';
import { rejection } from '../helpers/outcomes.js';

@SecretModel()
class Casts {
  @Secret('/str') str!: string;
  @Secret('/int') int!: number;
  @Secret('/float') float!: number;
  @Secret('/flag') flag!: boolean;
  @Secret('/dict') dict!: Record<string, unknown>;
  @Secret('/list') list!: number[];
}

function castsWith(values: Record<string, string>): Promise<Casts> {
  return bindSecrets(new Casts(), { backend: new MockBackend(values) });
}

describe('casts (test_casts.py)', () => {
  it('passes a string field through unchanged', async () => {
    const config = await castsWith({ '/str': 'hello' });
    await expect(getSecret(config, 'str')).resolves.toBe('hello');
  });

  it('casts an integer for a number field', async () => {
    const config = await castsWith({ '/int': '42' });
    const value = await getSecret(config, 'int');
    expect(value).toBe(42);
    expect(typeof value).toBe('number');
  });

  it('casts a float for a number field', async () => {
    const config = await castsWith({ '/float': '3.14' });
    await expect(getSecret(config, 'float')).resolves.toBe(3.14);
  });

  it.each(['true', 'TRUE', 'True', '1', 'yes', 'on', ' on '])('casts %j to true for a boolean field', async (raw) => {
    const config = await castsWith({ '/flag': raw });
    await expect(getSecret(config, 'flag')).resolves.toBe(true);
  });

  it.each(['false', 'FALSE', '0', 'no', 'off', ' OFF '])('casts %j to false for a boolean field', async (raw) => {
    const config = await castsWith({ '/flag': raw });
    await expect(getSecret(config, 'flag')).resolves.toBe(false);
  });

  it('rejects an unparseable boolean with a ConfigError naming the field and path, not the value', async () => {
    // Differs: the original's ValueError says "cannot parse bool" and quotes the value; ours never quotes it.
    const secret = canary();
    const config = await castsWith({ '/flag': secret });
    const error = await rejection(getSecret(config, 'flag'));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error).toBeInstanceOf(VaultlyError);
    const message = (error as Error).message;
    expect(message).toContain('flag');
    expect(message).toContain('/flag');
    expect(message).toMatch(/boolean/i);
    expect(message).not.toContain(secret);
    expect((error as ConfigError).path).toBe('/flag');
  });

  it('parses JSON for an object field', async () => {
    const config = await castsWith({ '/dict': '{"a": 1}' });
    await expect(getSecret(config, 'dict')).resolves.toEqual({ a: 1 });
  });

  it('parses JSON for an array field', async () => {
    const config = await castsWith({ '/list': '[1, 2, 3]' });
    await expect(getSecret(config, 'list')).resolves.toEqual([1, 2, 3]);
  });

  it('lets a transform replace the cast of a number field', async () => {
    @SecretModel()
    class WithTransform {
      @Secret('/n', { transform: (s: string) => s.toUpperCase() }) n!: number;
    }
    const config = await bindSecrets(new WithTransform(), { backend: new MockBackend({ '/n': '42' }) });
    const value: unknown = await getSecret(config, 'n');
    // The transform's result, not the number 42.
    expect(value).toBe('42');
  });

  it('lets a transform handle a type vaultly cannot cast', async () => {
    class Weird {
      constructor(readonly text: string) {}
    }
    @SecretModel()
    class WithWeird {
      @Secret('/x', { transform: (s: string) => new Weird(s + '!') }) weird!: Weird;
    }
    const config = await bindSecrets(new WithWeird(), { backend: new MockBackend({ '/x': 'x' }) });
    const value = await getSecret(config, 'weird');
    expect(value).toBeInstanceOf(Weird);
    expect(value.text).toBe('x!');
  });

  it('rejects a field of a type it cannot cast, without a transform, when the class is defined', () => {
    // Differs: the original falls back to the raw string; ours throws a ConfigError at class definition.
    class Weird {
      text = '';
    }
    let error: unknown;
    try {
      @SecretModel()
      class WithWeird {
        @Secret('/x') weird!: Weird;
      }
      void WithWeird;
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as Error).message).toContain('WithWeird.weird');
    expect((error as Error).message).toContain('transform');
  });

  it('parses JSON for a generic record field', async () => {
    @SecretModel()
    class Generic {
      @Secret('/k') mapping!: Record<string, string>;
    }
    const config = await bindSecrets(new Generic(), { backend: new MockBackend({ '/k': '{"k": "v"}' }) });
    await expect(getSecret(config, 'mapping')).resolves.toEqual({ k: 'v' });
  });
});
