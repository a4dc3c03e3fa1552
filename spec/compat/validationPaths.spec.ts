// Translates tests/test_validation_paths.py of the original Python vaultly (cop1cat/vaultly): the
// construction paths that bypass `__init__` (pydantic's model_validate) must still validate,
// prefetch and mask. Our equivalent second construction path is the inversify container
// (`vaultlyModule` + `container.getAsync`). model_validate_json (no equivalent: a model is never
// built from JSON) is skipped; the model_copy guards are translated in test_review_pass_3.spec.ts.
import 'reflect-metadata';
import { Container, inject } from 'inversify';
import {
  getSecret,
  MissingContextVariableError,
  MockBackend,
  Nested,
  Secret,
  SecretModel,
  VAULTLY,
  vaultlyModule,
} from 'vaultly';
import { canary } from '../helpers/canary.js';
import { rejection } from '../helpers/outcomes.js';

const STAGE = Symbol('stage');

/** The error and its causes, outermost first (inversify wraps errors thrown by @postConstruct). */
function causeChain(error: unknown): unknown[] {
  const chain: unknown[] = [];
  for (let e: unknown = error; e !== undefined && !chain.includes(e); e = e instanceof Error ? e.cause : undefined) chain.push(e);
  return chain;
}

@SecretModel()
class App {
  constructor(@inject(STAGE) readonly stage: string) {}
  @Secret('/db/{stage}/password') dbPassword!: string;
}

function containerFor(backend: MockBackend, stage = 'prod'): Container {
  const container = new Container();
  // The module's own backend is swapped before the first resolution, as API.md shows for tests.
  container.load(vaultlyModule({ backend: new MockBackend({}) }));
  container.rebind(VAULTLY.Backend).toConstantValue(backend);
  container.bind(STAGE).toConstantValue(stage);
  return container;
}

describe('construction through the container (test_validation_paths.py)', () => {
  it('validates the paths of a nested model', async () => {
    @SecretModel()
    class InnerTypo {
      @Secret('/{stge}/x') api!: string; // typo: stge instead of stage
    }
    @SecretModel()
    class Root {
      constructor(@inject(STAGE) readonly stage: string) {}
      @Nested() inner!: InnerTypo;
    }
    const backend = new MockBackend({});
    const container = containerFor(backend);
    container.bind(Root).toSelf();
    const error = await rejection(Promise.resolve().then(() => container.getAsync(Root)));
    const ours = causeChain(error).find((e) => e instanceof MissingContextVariableError);
    expect(ours).toBeInstanceOf(MissingContextVariableError);
    expect((ours as MissingContextVariableError).variable).toBe('stge');
    expect((ours as Error).message).toContain('InnerTypo.api');
    expect(backend.calls).toEqual([]);
  });

  it('constructs a model that reads from the bound backend', async () => {
    const backend = new MockBackend({ '/db/prod/password': 's3cr3t' });
    const container = containerFor(backend);
    container.bind(App).toSelf();
    const config = await container.getAsync(App);
    expect(config.stage).toBe('prod');
    await expect(getSecret(config, 'dbPassword')).resolves.toBe('s3cr3t');
    expect(backend.calls).toEqual([['/db/prod/password', undefined]]);
  });

  it('masks secrets in the JSON of a container-made model', async () => {
    const secret = canary();
    const container = containerFor(new MockBackend({ '/db/prod/password': secret }));
    container.bind(App).toSelf();
    const config = await container.getAsync(App);
    await getSecret(config, 'dbPassword');
    const json = JSON.stringify(config);
    expect(json).not.toContain(secret);
    expect(json).toContain('"dbPassword":"***"');
  });

  it('prefetches a validate: fetch model during resolution', async () => {
    @SecretModel({ validate: 'fetch' })
    class Eager {
      constructor(@inject(STAGE) readonly stage: string) {}
      @Secret('/db/{stage}/password') dbPassword!: string;
    }
    const backend = new MockBackend({ '/db/prod/password': 's3cr3t' });
    const container = containerFor(backend);
    container.bind(Eager).toSelf();
    const config = await container.getAsync(Eager);
    expect(backend.calls).toEqual([['/db/prod/password', undefined]]);
    expect(config.dbPassword).toBe('s3cr3t');
    expect(backend.calls).toEqual([['/db/prod/password', undefined]]);
  });
});
