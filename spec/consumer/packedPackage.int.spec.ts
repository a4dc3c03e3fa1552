import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { readmeSnippets, toCommonJsMain, type Snippet } from './readmeSnippets.js';

// A user's view of the package: `npm pack` (npm test has built dist/), the tarball extracted into
// a fresh app's node_modules/vaultly, the peers symlinked from this repository (offline, fast),
// then the README's snippets compiled against the packed types and the Quick start run from an
// ES module and from a CommonJS module.
const ROOT = process.cwd();
const TSC = resolve(ROOT, 'node_modules/typescript/bin/tsc');
const PEERS = ['inversify', 'reflect-metadata', '@aws-sdk/client-ssm', '@aws-sdk/client-secrets-manager', 'node-vault', '@nestjs/common', '@nestjs/core', '@types/node'];
/** What the README's Jest recipe needs besides the peers. */
const JEST = ['jest', 'ts-jest', '@types/jest'];
/** What the README's NestJS testing snippet needs besides the peers. */
const NEST_TESTING = ['@nestjs/testing'];
const ENTRY_POINTS = ['.', './testing', './aws-ssm', './aws-secrets-manager', './vault', './nestjs'] as const;

/** What EnvBackend reads for the Quick start's three paths (stage 'prod'). */
const QUICK_START_ENV = {
  PROD_DB_PASSWORD: 'quick-start-db-password',
  PROD_DB_POOL: '7',
  SERVICES_OPENAI_KEY: 'quick-start-openai-key',
};

interface Run {
  readonly stdout: string;
  readonly stderr: string;
}

function run(file: string, args: readonly string[], cwd: string, extraEnv: Record<string, string> = {}): Promise<Run> {
  // jest's NODE_OPTIONS (--experimental-vm-modules) is not what a user's app runs with.
  const env: NodeJS.ProcessEnv = { ...process.env };
  delete env['NODE_OPTIONS'];
  delete env['JEST_WORKER_ID'];
  Object.assign(env, extraEnv);
  return new Promise((done, fail) => {
    execFile(file, args, { cwd, env, timeout: 60_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) =>
      error === null ? done({ stdout, stderr }) : fail(new Error(`${file} ${args.join(' ')} failed:\n${stdout}\n${stderr}`, { cause: error })),
    );
  });
}

const node = (args: readonly string[], cwd: string, env?: Record<string, string>): Promise<Run> => run(process.execPath, args, cwd, env);

interface PackedFile {
  readonly path: string;
}

interface Packed {
  readonly dir: string;
  readonly app: string;
  readonly files: readonly string[];
  readonly snippets: readonly Snippet[];
  readonly jestConfigs: readonly Snippet[];
}

async function writeJson(file: string, value: unknown): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, `${JSON.stringify(value, null, 2)}\n`);
}

/** Packs the library and lays out `<dir>/app`: package.json, tsconfig.json, node_modules. */
async function packIntoApp(): Promise<Packed> {
  const dir = await mkdtemp(join(tmpdir(), 'vaultly-consumer-'));
  // dist/ is already built by npm test; prepack would rebuild it under the other suites' feet.
  const { stdout } = await run('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT);
  const [report] = JSON.parse(stdout) as [{ filename: string; files: PackedFile[] }];
  const app = join(dir, 'app');
  const target = join(app, 'node_modules', 'vaultly');
  await mkdir(target, { recursive: true });
  await run('tar', ['-xzf', join(dir, report.filename), '-C', target, '--strip-components=1'], dir);
  for (const peer of [...PEERS, ...JEST, ...NEST_TESTING]) {
    const link = join(app, 'node_modules', peer);
    await mkdir(dirname(link), { recursive: true });
    await symlink(resolve(ROOT, 'node_modules', peer), link, 'dir');
  }
  await writeJson(join(app, 'package.json'), { name: 'consumer-app', private: true, type: 'module' });
  await writeJson(join(app, 'cjs', 'package.json'), { type: 'commonjs' });
  // What the README's Install section tells a user to put in tsconfig.json.
  await writeJson(join(app, 'tsconfig.json'), {
    compilerOptions: {
      target: 'ES2022',
      module: 'nodenext',
      moduleResolution: 'nodenext',
      strict: true,
      experimentalDecorators: true,
      emitDecoratorMetadata: true,
      skipLibCheck: true,
      types: ['node'],
    },
    include: ['esm', 'cjs'],
  });
  const readme = await readFile(join(target, 'README.md'), 'utf8');
  return { dir, app, files: report.files.map((f) => f.path), snippets: readmeSnippets(readme), jestConfigs: readmeSnippets(readme, 'js') };
}

/** The README's Jest configs, by the file name on their first line, and the project each fits. */
const JEST_RECIPES = [
  ['an ES module project', 'jest.config.js', 'module', 'nodenext'],
  ['a CommonJS project', 'jest.config.cjs', 'commonjs', 'commonjs'],
] as const;

describe('the packed package, as a user installs it', () => {
  let packed: Packed;
  const jestRuns = new Map<string, Promise<Run>>();

  beforeAll(async () => {
    if (!existsSync(resolve(ROOT, 'dist', 'index.js'))) {
      throw new Error('dist/ is missing: run `npm run build` (npm test does) before this suite');
    }
    packed = await packIntoApp();
    // Each recipe is a whole jest start-up: both start now, beside the snippets' tsc run.
    for (const [, configFile, type, module] of JEST_RECIPES) {
      const started = runJestRecipe(packed, configFile, type, module);
      started.catch(() => undefined); // reported by the test that awaits it
      jestRuns.set(configFile, started);
    }
  }, 30_000);

  afterAll(async () => {
    if (packed !== undefined) await rm(packed.dir, { recursive: true, force: true });
  });

  describe('tarball', () => {
    it('holds the built code with types for every entry point, the LICENSE and the README', async () => {
      const manifest = JSON.parse(await readFile(join(packed.app, 'node_modules/vaultly/package.json'), 'utf8')) as {
        exports: Record<string, Record<string, string>>;
        engines: { node: string };
      };
      expect(packed.files).toEqual(expect.arrayContaining(['LICENSE', 'README.md', 'package.json']));
      for (const entry of ENTRY_POINTS) {
        const conditions = manifest.exports[entry];
        expect(Object.keys(conditions ?? {})).toEqual(['types', 'import', 'default']);
        for (const file of Object.values(conditions ?? {})) expect(packed.files).toContain(file.replace(/^\.\//, ''));
      }
      expect(manifest.engines.node).toBe('>=20.19');
      expect(await readFile(join(packed.app, 'node_modules/vaultly/LICENSE'), 'utf8')).toMatch(/^MIT License\n\nCopyright \(c\) \d{4} vaultly contributors/);
    });

    it('ships no source map that points at a file missing from the tarball', async () => {
      const root = join(packed.app, 'node_modules/vaultly');
      for (const file of packed.files.filter((f) => f.endsWith('.map'))) {
        const map = JSON.parse(await readFile(join(root, file), 'utf8')) as { sources: string[] };
        for (const source of map.sources) expect(existsSync(resolve(dirname(join(root, file)), source))).toBe(true);
      }
      for (const file of packed.files.filter((f) => f.endsWith('.js'))) {
        expect(await readFile(join(root, file), 'utf8')).not.toMatch(/\/\/# sourceMappingURL=(?!data:)/);
      }
    });
  });

  describe('README snippets, compiled against the packed types, and run', () => {
    /** tsc's diagnostics ('' when clean). tsc emits the .js files even when it reports errors. */
    let compiled: Promise<string>;

    beforeAll(() => {
      // One tsc run for every snippet (ESM) and the Quick start as CommonJS; the tests share it.
      compiled = (async () => {
        await mkdir(join(packed.app, 'esm'), { recursive: true });
        for (const snippet of packed.snippets) {
          const code = snippet === quickStart() ? snippet.code + QUICK_START_PROBE : snippet.code;
          await writeFile(join(packed.app, 'esm', `${snippet.name}.ts`), code);
        }
        await writeFile(join(packed.app, 'cjs', 'quickStart.ts'), toCommonJsMain(quickStart().code + QUICK_START_PROBE));
        await writeFile(join(packed.app, 'cjs', 'entryPoints.ts'), ENTRY_POINTS_PROBE);
        await writeFile(join(packed.app, 'esm', 'entryPoints.ts'), ENTRY_POINTS_PROBE);
        return node([TSC, '-p', 'tsconfig.json'], packed.app).then(
          () => '',
          (error: Error) => error.message,
        );
      })();
      compiled.catch(() => undefined); // reported by the tests that await it
      // The programs run side by side once compiled; each test awaits its own.
      for (const kind of ['esm', 'cjs']) runOnce(join(kind, 'entryPoints.js'));
      runOnce(join('esm', `${quickStart().name}.js`), QUICK_START_ENV);
      runOnce(join('cjs', 'quickStart.js'), QUICK_START_ENV);
      runOnce(join('esm', `${testingSnippet().name}.js`));
      runOnce(join('esm', `${nestTestingSnippet().name}.js`));
    });

    const runs = new Map<string, Promise<Run>>();
    /** Runs a compiled program once (after tsc), however many times it is asked for. */
    const runOnce = (file: string, env?: Record<string, string>): Promise<Run> => {
      let started = runs.get(file);
      if (started === undefined) {
        started = compiled.then(() => node([file], packed.app, env));
        started.catch(() => undefined); // reported by the test that awaits it
        runs.set(file, started);
      }
      return started;
    };

    const quickStart = (): Snippet => {
      const found = packed.snippets.find((s) => s.section === 'Quick start');
      if (found === undefined) throw new Error('README has no ```ts block under "## Quick start"');
      return found;
    };

    const testingSnippet = (): Snippet => {
      const found = packed.snippets.find((s) => s.section === 'Testing your code');
      if (found === undefined) throw new Error('README has no ```ts block under "## Testing your code"');
      return found;
    };

    /** The NestJS section's second block: a testing module with VAULTLY.Backend overridden. */
    const nestTestingSnippet = (): Snippet => {
      const found = packed.snippets.filter((s) => s.section === 'NestJS (`vaultly/nestjs`)')[1];
      if (found === undefined) throw new Error('README has no second ```ts block under "## NestJS (`vaultly/nestjs`)"');
      return found;
    };

    it('every ```ts block of the README type-checks on its own (tsc reports README line numbers)', async () => {
      expect(packed.snippets.length).toBeGreaterThanOrEqual(5);
      expect(await compiled).toBe('');
    }, 60_000);

    it.each([
      ['an ES module', 'esm'],
      ['a CommonJS module', 'cjs'],
    ])('every entry point loads, with its exports, from %s', async (_label, kind) => {
      const { stdout } = await runOnce(join(kind, 'entryPoints.js'));
      expect(JSON.parse(stdout)).toEqual({ root: 'function', testing: 'function', ssm: 'function', vault: 'function', secretsManager: 'function', nestjs: 'function' });
    }, 60_000);

    it.each([
      ['an ES module (as written)', 'esm'],
      ['a CommonJS module (wrapped in an async main)', 'cjs'],
    ])('the Quick start runs from %s, prints masked values and casts the pool to a number', async (_label, kind) => {
      const file = kind === 'esm' ? join('esm', `${quickStart().name}.js`) : join('cjs', 'quickStart.js');
      const { stdout, stderr } = await runOnce(file, QUICK_START_ENV);
      expect(stdout).toContain("apiKey: '***'");
      expect(stdout).toContain("stage: 'prod'");
      expect(stdout).toContain('pool is a number: 7');
      for (const value of Object.values(QUICK_START_ENV)) {
        if (value !== '7') expect(stdout + stderr).not.toContain(value);
      }
    }, 60_000);

    it('the Testing snippet runs as written', async () => {
      const { stdout } = await runOnce(join('esm', `${testingSnippet().name}.js`));
      expect(stdout).toMatch(/^2 AppConfig \{/);
      expect(stdout).toContain("password: '***'");
      expect(stdout).not.toContain('test');
    }, 60_000);

    it('the NestJS testing snippet runs as written: the overridden backend serves the model, masked when printed', async () => {
      const { stdout } = await runOnce(join('esm', `${nestTestingSnippet().name}.js`));
      expect(stdout).toContain("AppConfig { stage: 'prod', password: '***' }");
      expect(stdout).not.toContain('test');
    }, 60_000);
  });

  describe("README's Jest recipe", () => {
    it.each(JEST_RECIPES)('runs a test of a model in %s (%s)', async (_label, configFile) => {
      const { stderr } = await (jestRuns.get(configFile) as Promise<Run>);
      expect(stderr).toContain('Tests:       1 passed, 1 total');
    }, 60_000);
  });
});

/** Lays out a project with the README's `// <configFile>` block as its jest config, and runs jest. */
async function runJestRecipe(packed: Packed, configFile: string, type: string, module: string): Promise<Run> {
  const config = packed.jestConfigs.find((s) => s.code.startsWith(`// ${configFile}\n`));
  if (config === undefined) throw new Error(`README has no \`\`\`js block starting with "// ${configFile}"`);
  const project = join(packed.app, `jest-${type}`);
  await writeJson(join(project, 'package.json'), { name: `jest-${type}`, private: true, type });
  await writeJson(join(project, 'tsconfig.json'), {
    compilerOptions: { target: 'ES2022', module, strict: true, experimentalDecorators: true, emitDecoratorMetadata: true, skipLibCheck: true, isolatedModules: true },
  });
  await writeFile(join(project, configFile), config.code);
  await writeFile(join(project, 'DbConfig.ts'), JEST_MODEL);
  await writeFile(join(project, 'DbConfig.spec.ts'), JEST_SPEC);
  return node([resolve(ROOT, 'node_modules/jest/bin/jest.js'), '--ci', '--runInBand'], project, {
    NODE_OPTIONS: '--experimental-vm-modules --disable-warning=ExperimentalWarning',
  });
}

/** A model and its test, as a user of the README's Jest recipe writes them. */
const JEST_MODEL = `import { Secret, SecretModel } from 'vaultly';

@SecretModel()
export class DbConfig {
  stage = 'prod';
  @Secret('/{stage}/db/pool') pool!: number;
}
`;
const JEST_SPEC = `import 'reflect-metadata';
import { bindSecrets, prefetch } from 'vaultly';
import { MockBackend } from 'vaultly/testing';
import { DbConfig } from './DbConfig.js';

it('reads the pool as a number', async () => {
  const config = await bindSecrets(new DbConfig(), { backend: new MockBackend({ '/prod/db/pool': '4' }) });
  await prefetch(config);
  expect(config.pool).toBe(4);
});
`;

/** Appended to the Quick start when it is run: its `config` must hold a cast, bound model. */
const QUICK_START_PROBE = "console.log(`pool is a ${typeof config.db.pool}: ${config.db.pool}`);\n";

/** Loads all five entry points (ESM import or, compiled as CommonJS, require) and prints what it got. */
const ENTRY_POINTS_PROBE = `import 'reflect-metadata';
import { bindSecrets } from 'vaultly';
import { startSsmServer } from 'vaultly/testing';
import { AWSSSMBackend } from 'vaultly/aws-ssm';
import { VaultBackend } from 'vaultly/vault';
import { AWSSecretsManagerBackend } from 'vaultly/aws-secrets-manager';
import { VaultlyModule } from 'vaultly/nestjs';

console.log(JSON.stringify({ root: typeof bindSecrets, testing: typeof startSsmServer, ssm: typeof AWSSSMBackend, vault: typeof VaultBackend, secretsManager: typeof AWSSecretsManagerBackend, nestjs: typeof VaultlyModule.forRoot }));
`;
