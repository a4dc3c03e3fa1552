import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

// Runs against the build: `npm test` compiles dist/ before jest starts.
const ROOT = process.cwd();
const DIST = resolve(ROOT, 'dist');

/** Runs an ES module script in a fresh `node` and reports how it ended. */
function runScript(script: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = { ...process.env };
  delete env['NODE_OPTIONS'];
  return new Promise((done) => {
    execFile(process.execPath, ['--input-type=module', '-e', script], { cwd: ROOT, env, timeout: 20_000 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : null;
      done({ code, stdout, stderr });
    });
  });
}

describe('RetryingBackend in a script', () => {
  beforeAll(() => {
    if (!existsSync(resolve(DIST, 'index.js'))) {
      throw new Error('dist/ is missing: run `npx tsc -p tsconfig.build.json` (npm test does) before this suite');
    }
  });

  it('keeps the process alive until the deadline of a read that never answers, which then rejects', async () => {
    // Before the fix the only timer left was the unref'd deadline: node exited with code 13
    // ("unsettled top-level await") instead of delivering the TransientError.
    const script = `
import { Backend, RetryingBackend } from ${JSON.stringify(pathToFileURL(resolve(DIST, 'index.js')).href)};
class Silent extends Backend { get() { return new Promise(() => {}); } }
const backend = new RetryingBackend(new Silent(), { totalTimeout: 0.2 });
try {
  await backend.get('/app/key');
  console.log('resolved');
} catch (error) {
  console.log(error.name);
}
`;
    const { code, stdout, stderr } = await runScript(script);
    expect({ code, stdout: stdout.trim(), stderr }).toEqual({ code: 0, stdout: 'TransientError', stderr: '' });
  });
});
