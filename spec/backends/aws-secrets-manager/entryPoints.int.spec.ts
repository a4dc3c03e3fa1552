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

/** Imports `specifier` (a dist file, or a package specifier) in a fresh `node` process; every specifier resolved meanwhile. */
async function specifiersResolvedBy(entry: string): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'vaultly-entry-'));
  const logFile = join(dir, 'resolved.log');
  const target = entry.startsWith('vaultly') ? entry : pathToFileURL(resolve(DIST, entry)).href;
  const script = `
import { register } from 'node:module';
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)}, { data: { logFile: ${JSON.stringify(logFile)} } });
await import(${JSON.stringify(target)});
// The SDK is loaded with require (so a missing one can be named), which the hook does not see on Node 20.
const { appendFileSync } = await import('node:fs');
const { createRequire } = await import('node:module');
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

describe('entry points (Secrets Manager)', () => {
  beforeAll(() => {
    if (!existsSync(resolve(DIST, 'index.js'))) {
      throw new Error('dist/ is missing: run `npx tsc -p tsconfig.build.json` (npm test does) before this suite');
    }
  });

  it("import 'vaultly' does not load @aws-sdk/client-secrets-manager", async () => {
    const resolved = await specifiersResolvedBy('index.js');
    expect(resolved).toContain('./errors.js');
    expect(resolved.filter((s) => s.includes('client-secrets-manager') || s.includes('aws-secrets-manager'))).toEqual([]);
  });

  it("import 'vaultly/testing' (which holds startSecretsManagerServer) does not load @aws-sdk/client-secrets-manager", async () => {
    const resolved = await specifiersResolvedBy('testing/index.js');
    expect(resolved).toContain('./secrets-manager/index.js');
    expect(resolved.filter((s) => s.startsWith('@aws-sdk'))).toEqual([]);
  });

  it("the package export 'vaultly/aws-secrets-manager' loads @aws-sdk/client-secrets-manager and not the SSM client", async () => {
    const resolved = await specifiersResolvedBy('vaultly/aws-secrets-manager');
    expect(resolved.some((s) => s.includes('@aws-sdk/client-secrets-manager'))).toBe(true);
    expect(resolved.filter((s) => s.includes('@aws-sdk/client-ssm'))).toEqual([]);
  });
});
