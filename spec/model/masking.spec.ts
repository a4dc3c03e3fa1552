import 'reflect-metadata';
import { jest } from '@jest/globals';
import { inspect } from 'node:util';
import { bindSecrets, MockBackend, Nested, prefetch, Secret, SecretModel } from 'vaultly';

const CANARY = 'CANARY-mask-5e1b';

@SecretModel()
class DbConfig {
  @Secret('/{stage}/db/password') password!: string;
  @Secret('/{stage}/db/settings') settings!: { host: string };
}

@SecretModel()
class AppConfig {
  stage = 'prod';
  @Secret('/key') apiKey!: string;
  @Nested() db!: DbConfig;
}

const backend = () =>
  new MockBackend({ '/key': `${CANARY}-key`, '/prod/db/password': `${CANARY}-pw`, '/prod/db/settings': `{"host":"${CANARY}"}` });

const loaded = async () => {
  const b = backend();
  const config = await bindSecrets(new AppConfig(), { backend: b });
  await prefetch(config);
  b.resetCalls();
  return { config, backend: b };
};

describe('Masking', () => {
  it.each([
    ['util.inspect', (c: object) => inspect(c, { depth: 10 })],
    ['util.inspect with showHidden', (c: object) => inspect(c, { showHidden: true, depth: 10 })],
    ['JSON.stringify', (c: object) => JSON.stringify(c)],
    ['String', (c: object) => String(c)],
    ['a template literal', (c: object) => `${String(c)}`],
    ['string concatenation', (c: object) => '' + (c as unknown as string)],
    ['inspect of the nested model', (c: object) => inspect((c as AppConfig).db)],
    ['JSON.stringify of a wrapper', (c: object) => JSON.stringify({ config: c })],
  ])('%s shows *** and never a value', async (_how, show) => {
    const { config, backend: b } = await loaded();
    const text = show(config);
    expect(text).not.toContain(CANARY);
    expect(text).toContain('***');
    expect(b.calls).toHaveLength(0);
  });

  it('inspect shows class names, non-secret properties and the nested mask', async () => {
    const { config } = await loaded();
    expect(inspect(config, { breakLength: Infinity })).toBe(
      "AppConfig { stage: 'prod', apiKey: '***', db: DbConfig { password: '***', settings: '***' } }",
    );
    expect(JSON.parse(JSON.stringify(config))).toEqual({ stage: 'prod', apiKey: '***', db: { password: '***', settings: '***' } });
  });

  it('console.log prints the mask', async () => {
    const { config } = await loaded();
    const lines: string[] = [];
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      lines.push(String(chunk));
      return true;
    });
    try {
      // jest replaces the global console; use Node's own to exercise the real path
      const { Console } = await import('node:console');
      new Console(process.stdout).log(config);
    } finally {
      spy.mockRestore();
    }
    expect(lines.join('')).toContain("apiKey: '***'");
    expect(lines.join('')).not.toContain(CANARY);
  });

  it('spread, Object.assign and structuredClone copy no secret value', async () => {
    const { config } = await loaded();
    for (const copy of [{ ...config }, Object.assign({}, config), structuredClone(config)]) {
      expect(JSON.stringify(copy)).not.toContain(CANARY);
      expect(inspect(copy, { depth: 10, showHidden: true })).not.toContain(CANARY);
      expect(copy).toEqual({ stage: 'prod' });
    }
  });

  it('masks an unbound instance without fetching', () => {
    const b = backend();
    const config = new AppConfig();
    expect(JSON.stringify(config)).toBe('{"stage":"prod","apiKey":"***","db":"***"}');
    expect(b.calls).toHaveLength(0);
  });

  it('reading through the mask still gives the real value to code that asks for it', async () => {
    const { config } = await loaded();
    expect(config.apiKey).toBe(`${CANARY}-key`);
    expect(config.db.settings).toEqual({ host: CANARY });
  });
});
