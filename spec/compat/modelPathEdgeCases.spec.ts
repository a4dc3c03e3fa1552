// Translates tests/unit/test_model_path_edge_cases.py of the original Python vaultly
// (cop1cat/vaultly v1.0.0): `{var}` path templating edge cases either work or fail with a
// MissingContextVariableError, never an opaque error.
import 'reflect-metadata';
import { bindSecrets, getSecret, MissingContextVariableError, MockBackend, Secret, SecretModel } from 'vaultly';
import { rejection, thrown } from '../helpers/outcomes.js';

describe('path edge cases (test_model_path_edge_cases.py)', () => {
  it('passes escaped braces through as literal braces', async () => {
    @SecretModel()
    class App {
      path = 'x';
      @Secret('/literal/{{not_a_var}}/{path}') secret!: string;
    }
    const backend = new MockBackend({ '/literal/{not_a_var}/x': 'v' });
    const config = await bindSecrets(new App(), { backend });
    await expect(getSecret(config, 'secret')).resolves.toBe('v');
    expect(backend.calls).toEqual([['/literal/{not_a_var}/x', undefined]]);
  });

  it('reads a path with no variables at all', async () => {
    @SecretModel()
    class App {
      @Secret('/static/path') s!: string;
    }
    const backend = new MockBackend({ '/static/path': 'v' });
    const config = await bindSecrets(new App(), { backend });
    await expect(getSecret(config, 's')).resolves.toBe('v');
    expect(backend.calls).toEqual([['/static/path', undefined]]);
  });

  it('fills the same variable used twice', async () => {
    @SecretModel()
    class App {
      x = 'X';
      @Secret('/{x}/{x}/end') s!: string;
    }
    const backend = new MockBackend({ '/X/X/end': 'v' });
    const config = await bindSecrets(new App(), { backend });
    await expect(getSecret(config, 's')).resolves.toBe('v');
    expect(backend.calls).toEqual([['/X/X/end', undefined]]);
  });

  // The original defers own-path errors to the first read. Ours: the default validate: 'paths'
  // rejects at bind time, and validate: 'none' defers the error to the first read.
  describe.each([
    ['a positional placeholder', '/{0}/x', '0'],
    ['an attribute access placeholder', '/{x.y}/end', 'x.y'],
    ['an index access placeholder', '/{x[0]}/end', 'x[0]'],
  ])('%s (%s)', (_label, template, variable) => {
    it('rejects bindSecrets with MissingContextVariableError under validate: paths', async () => {
      @SecretModel()
      class App {
        // A context variable named like the placeholder's head must not make it resolve.
        x = 'X';
        @Secret(template) s!: string;
      }
      const backend = new MockBackend({});
      const error = await rejection(bindSecrets(new App(), { backend }));
      expect(error).toBeInstanceOf(MissingContextVariableError);
      expect((error as MissingContextVariableError).variable).toBe(variable);
      expect((error as Error).message).toContain(`{${variable}}`);
      expect((error as Error).message).toContain('App.s');
      expect(backend.calls).toEqual([]);
    });

    it('throws MissingContextVariableError on first read under validate: none', async () => {
      @SecretModel({ validate: 'none' })
      class App {
        x = 'X';
        @Secret(template) s!: string;
      }
      const backend = new MockBackend({});
      const config = await bindSecrets(new App(), { backend });
      const syncError = thrown(() => config.s);
      expect(syncError).toBeInstanceOf(MissingContextVariableError);
      expect((syncError as MissingContextVariableError).variable).toBe(variable);
      const asyncError = await rejection(getSecret(config, 's'));
      expect(asyncError).toBeInstanceOf(MissingContextVariableError);
      expect(backend.calls).toEqual([]);
    });
  });
});
