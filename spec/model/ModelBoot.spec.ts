import 'reflect-metadata';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { getSecret, MockBackend, Secret, SecretCache, SecretModel, SecretNotFoundError } from 'vaultly';
import type { Wiring } from '../../lib/model/bindModel.js';
import { ModelBoot } from '../../lib/model/ModelBoot.js';

@SecretModel({ validate: 'fetch' })
class Fetched {
  @Secret('/k') key!: string;
}

function wiringOver(backend: MockBackend): Wiring {
  return { backend, cache: new SecretCache(), logger: { warn: () => undefined } };
}

describe(ModelBoot.name, () => {
  describe('then', () => {
    it('boots the attached model once however often it is awaited, and settles with undefined', async () => {
      const backend = new MockBackend({ '/k': 'v' });
      const boot = new ModelBoot(wiringOver(backend));
      const model = new Fetched();
      boot.attach(model);
      await expect(boot).resolves.toBeUndefined();
      await expect(boot).resolves.toBeUndefined();
      expect(model.key).toBe('v');
      expect(backend.calls).toHaveLength(1);
    });

    it('rejects with the vaultly error itself and disposes the model when its prefetch fails', async () => {
      const boot = new ModelBoot(wiringOver(new MockBackend({})));
      const model = new Fetched();
      boot.attach(model);
      const error = await Promise.resolve(boot).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(SecretNotFoundError);
      expect((error as SecretNotFoundError).paths).toEqual(['/k']);
      await expect(getSecret(model, 'key')).rejects.toThrow(/disposed/);
    });

    it('rejects, rather than throws, when the model cannot be bound', async () => {
      @SecretModel({ validate: 'fetch' })
      class Typo {
        @Secret('/{stage}/k') key!: string;
      }
      const boot = new ModelBoot(wiringOver(new MockBackend({})));
      boot.attach(new Typo());
      const outcome = boot.then(
        () => 'resolved',
        (e: unknown) => e,
      );
      await expect(outcome).resolves.toMatchObject({ name: 'MissingContextVariableError' });
    });

    it('without a model it fetches nothing and settles with the wiring, for the @postConstruct hook', async () => {
      const backend = new MockBackend({ '/k': 'v' });
      const wiring = wiringOver(backend);
      await expect(new ModelBoot(wiring)).resolves.toBe(wiring);
      expect(backend.calls).toHaveLength(0);
    });
  });

  describe('attach', () => {
    it('keeps the first model it is given', async () => {
      const boot = new ModelBoot(wiringOver(new MockBackend({ '/k': 'v' })));
      const first = new Fetched();
      boot.attach(first);
      boot.attach(new Fetched());
      await boot;
      expect(first.key).toBe('v');
    });
  });
});

describe('lib/model', () => {
  it('imports nothing from lib/container (the container module depends on the model, not back)', () => {
    const dir = join(process.cwd(), 'lib', 'model');
    const offenders = readdirSync(dir)
      .filter((file) => file.endsWith('.ts'))
      .filter((file) => /from\s+['"]\.\.\/container\//.test(readFileSync(join(dir, file), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
