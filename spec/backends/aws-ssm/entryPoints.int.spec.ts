import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

// Runs against the build: `npm test` compiles dist/ before jest starts.
const ROOT = process.cwd();
const DIST = resolve(ROOT, 'dist');

/** A module hook, run in Node's loader thread, that appends every specifier it resolves to a file. */
const HOOKS = `
import { appendFileSync } from 'node:fs';
let logFile;
export function initialize(data) { logFile = data.logFile; }
export async function resolve(specifier, context, nextResolve) {
  appendFileSync(logFile, specifier + '\\n');
  return nextResolve(specifier, context);
}
`;

/**
 * Imports `entry` in a fresh `node` process and returns every specifier resolved meanwhile, plus
 * the file of every CommonJS module loaded (the optional peers are loaded with `require`, which
 * the resolve hook does not see on Node 20).
 */
async function specifiersResolvedBy(entry: string): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'vaultly-entry-'));
  const logFile = join(dir, 'resolved.log');
  const script = `
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)}, { data: { logFile: ${JSON.stringify(logFile)} } });
await import(${JSON.stringify(pathToFileURL(resolve(DIST, entry)).href)});
appendFileSync(${JSON.stringify(logFile)}, Object.keys(createRequire(${JSON.stringify(`${ROOT}/`)}).cache).join('\\n') + '\\n');
`;
  const env = { ...process.env };
  delete env['NODE_OPTIONS'];
  try {
    await new Promise<void>((done, fail) => {
      execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, env, timeout: 20_000 }, (error, _out, stderr) =>
        error === null ? done() : fail(new Error(`child node failed: ${stderr}`, { cause: error })),
      );
    });
    return (await readFile(logFile, 'utf8')).split('\n').filter((line) => line.length > 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('entry points', () => {
  beforeAll(() => {
    if (!existsSync(resolve(DIST, 'index.js'))) {
      throw new Error('dist/ is missing: run `npx tsc -p tsconfig.build.json` (npm test does) before this suite');
    }
  });

  it("import 'vaultly' does not load @aws-sdk/client-ssm", async () => {
    const resolved = await specifiersResolvedBy('index.js');
    expect(resolved).toContain('./errors.js');
    expect(resolved.filter((s) => s.includes('@aws-sdk') || s.includes('node-vault'))).toEqual([]);
  });

  it("import 'vaultly/testing' (which holds startSsmServer) does not load @aws-sdk/client-ssm", async () => {
    const resolved = await specifiersResolvedBy('testing/index.js');
    expect(resolved).toContain('./ssm/index.js');
    expect(resolved.filter((s) => s.includes('@aws-sdk'))).toEqual([]);
  });

  it("import 'vaultly/aws-ssm' does load @aws-sdk/client-ssm", async () => {
    const resolved = await specifiersResolvedBy('backends/aws-ssm/index.js');
    expect(resolved.some((s) => s.includes('/node_modules/@aws-sdk/client-ssm/'))).toBe(true);
  });

  describe('without the optional peer installed', () => {
    let dir: string;
    beforeAll(async () => {
      // A copy of dist/ with no node_modules above it: neither peer can be found from there.
      dir = await mkdtemp(join(tmpdir(), 'vaultly-nopeer-'));
      await cp(DIST, join(dir, 'dist'), { recursive: true });
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    /** Loads `entry` from the copy with `import` or `require`; resolves to what the child printed. */
    const load = (how: 'import' | 'require', entry: string, cwd = dir): Promise<string> => {
      const target = JSON.stringify(`./dist/${entry}`);
      const script =
        how === 'import'
          ? `import(${target}).then(() => console.log('loaded'), (e) => console.log(e.name + ': ' + e.message))`
          : `try { require(${target}); console.log('loaded'); } catch (e) { console.log(e.name + ': ' + e.message); }`;
      const env = { ...process.env };
      delete env['NODE_OPTIONS'];
      delete env['NODE_PATH'];
      return new Promise((done, fail) => {
        execFile(process.execPath, ['-e', script], { cwd, env, timeout: 20_000 }, (error, out, stderr) =>
          error === null ? done(out.trim()) : fail(new Error(`child node failed: ${stderr}`, { cause: error })),
        );
      });
    };

    it.each([
      ['import', 'backends/aws-ssm/index.js', '@aws-sdk/client-ssm', 'vaultly/aws-ssm'],
      ['require', 'backends/aws-ssm/index.js', '@aws-sdk/client-ssm', 'vaultly/aws-ssm'],
      ['import', 'backends/vault/index.js', 'node-vault', 'vaultly/vault'],
      ['require', 'backends/vault/index.js', 'node-vault', 'vaultly/vault'],
    ] as const)('%s of %s fails with a ConfigError saying to install %s', async (how, entry, peer, subpath) => {
      await expect(load(how, entry)).resolves.toBe(
        `ConfigError: ${subpath} needs the package ${peer}, an optional peer dependency of vaultly: install it (npm install ${peer})`,
      );
    });

    it('with the peers installed, both entries load by import and by require (no top-level await)', async () => {
      for (const entry of ['backends/aws-ssm/index.js', 'backends/vault/index.js']) {
        await expect(load('import', entry, ROOT)).resolves.toBe('loaded');
        await expect(load('require', entry, ROOT)).resolves.toBe('loaded');
      }
    });
  });
});
