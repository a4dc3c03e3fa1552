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

/** Imports `entry` in a fresh `node` process and returns every specifier resolved meanwhile. */
async function specifiersResolvedBy(entry: string): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'vaultly-entry-'));
  const logFile = join(dir, 'resolved.log');
  const script = `
import { register } from 'node:module';
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)}, { data: { logFile: ${JSON.stringify(logFile)} } });
await import(${JSON.stringify(pathToFileURL(resolve(DIST, entry)).href)});
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
    expect(resolved.filter((s) => s.startsWith('@aws-sdk'))).toEqual([]);
  });

  it("import 'vaultly/testing' (which holds startSsmServer) does not load @aws-sdk/client-ssm", async () => {
    const resolved = await specifiersResolvedBy('testing/index.js');
    expect(resolved).toContain('./ssm/index.js');
    expect(resolved.filter((s) => s.startsWith('@aws-sdk'))).toEqual([]);
  });

  it("import 'vaultly/aws-ssm' does load @aws-sdk/client-ssm", async () => {
    const resolved = await specifiersResolvedBy('backends/aws-ssm/index.js');
    expect(resolved).toContain('@aws-sdk/client-ssm');
  });
});
