import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
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

function node(args: readonly string[]): Promise<string> {
  const env = { ...process.env };
  delete env['NODE_OPTIONS'];
  return new Promise((done, fail) => {
    execFile(process.execPath, args, { cwd: ROOT, env, timeout: 20_000 }, (error, out, stderr) =>
      error === null ? done(out.trim()) : fail(new Error(`child node failed: ${stderr}`, { cause: error })),
    );
  });
}

/**
 * Imports `entry` in a fresh `node` process; resolves to every specifier resolved meanwhile plus
 * the file of every CommonJS module loaded (Nest's packages are CommonJS).
 */
async function loadedBy(entry: string): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'vaultly-nest-entry-'));
  const logFile = join(dir, 'resolved.log');
  const script = `
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)}, { data: { logFile: ${JSON.stringify(logFile)} } });
await import(${JSON.stringify(pathToFileURL(resolve(DIST, entry)).href)});
appendFileSync(${JSON.stringify(logFile)}, Object.keys(createRequire(${JSON.stringify(`${ROOT}/`)}).cache).join('\\n') + '\\n');
`;
  try {
    await node(['--input-type=module', '-e', script]);
    return (await readFile(logFile, 'utf8')).split('\n').filter((line) => line.length > 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('entry point vaultly/nestjs', () => {
  beforeAll(() => {
    if (!existsSync(resolve(DIST, 'nestjs', 'index.js'))) {
      throw new Error('dist/ is missing: run `npx tsc -p tsconfig.build.json` (npm test does) before this suite');
    }
  });

  it("import 'vaultly' does not load @nestjs/common or @nestjs/core", async () => {
    const loaded = await loadedBy('index.js');
    expect(loaded).toContain('./errors.js');
    expect(loaded.filter((s) => s.includes('@nestjs'))).toEqual([]);
  });

  it("import 'vaultly/nestjs' loads no copy of Nest of its own (it needs Nest's types only)", async () => {
    const loaded = await loadedBy('nestjs/index.js');
    expect(loaded).toContain('./VaultlyModule.js');
    expect(loaded.filter((s) => s.includes('@nestjs'))).toEqual([]);
  });

  it("require('vaultly/nestjs') works from CommonJS and shares the root's VAULTLY tokens", async () => {
    const script = `
const nest = require(${JSON.stringify(resolve(DIST, 'nestjs/index.js'))});
const root = require(${JSON.stringify(resolve(DIST, 'index.js'))});
console.log(JSON.stringify({ module: typeof nest.VaultlyModule.forRoot, sameTokens: nest.VAULTLY === root.VAULTLY }));
`;
    await expect(node(['-e', script]).then(JSON.parse)).resolves.toEqual({ module: 'function', sameTokens: true });
  });
});
