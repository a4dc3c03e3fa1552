import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

// Entry-point specs run against the build: `npm test` compiles dist/ before jest starts.

/** The package root (jest runs there). */
export const ROOT = process.cwd();

/** The built package, as `npm test` leaves it. */
export const DIST = resolve(ROOT, 'dist');

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

/** Throws, telling how to build, when `dist/<file>` is missing. */
export function requireBuild(file = 'index.js'): void {
  if (!existsSync(resolve(DIST, file))) {
    throw new Error('dist/ is missing: run `npx tsc -p tsconfig.build.json` (npm test does) before this suite');
  }
}

/**
 * Runs a fresh `node` with `args` (without jest's `NODE_OPTIONS` or a `NODE_PATH`); resolves to
 * what it printed, trimmed, and rejects with its stderr when it fails.
 */
export function runNode(args: readonly string[], cwd = ROOT): Promise<string> {
  const env = { ...process.env };
  delete env['NODE_OPTIONS'];
  delete env['NODE_PATH'];
  return new Promise((done, fail) => {
    execFile(process.execPath, args, { cwd, env, timeout: 20_000 }, (error, out, stderr) =>
      error === null ? done(out.trim()) : fail(new Error(`child node failed: ${stderr}`, { cause: error })),
    );
  });
}

/**
 * Imports `entry` (a file under dist/, or a package specifier such as `'vaultly/aws-ssm'`) in a
 * fresh `node` process; resolves to every specifier resolved meanwhile, plus the file of every
 * CommonJS module loaded (the optional peers and Nest are loaded with `require`, which the resolve
 * hook does not see on Node 20).
 */
export async function specifiersResolvedBy(entry: string): Promise<string[]> {
  const dir = await mkdtemp(join(tmpdir(), 'vaultly-entry-'));
  const logFile = join(dir, 'resolved.log');
  const target = entry.startsWith('vaultly') ? entry : pathToFileURL(resolve(DIST, entry)).href;
  const script = `
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(HOOKS)}`)}, { data: { logFile: ${JSON.stringify(logFile)} } });
await import(${JSON.stringify(target)});
appendFileSync(${JSON.stringify(logFile)}, Object.keys(createRequire(${JSON.stringify(`${ROOT}/`)}).cache).join('\\n') + '\\n');
`;
  try {
    await runNode(['--input-type=module', '-e', script]);
    return (await readFile(logFile, 'utf8')).split('\n').filter((line) => line.length > 0);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
