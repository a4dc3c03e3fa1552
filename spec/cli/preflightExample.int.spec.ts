import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

import { canary, findCanaries } from '../helpers/canary.js';

// examples/preflight.ts (built to build/examples by `npm test`) checked by the built CLI against
// a directory of mounted files: decorators compiled by tsc, FileBackend and the CLI together.

interface Run {
  code: number | null;
  output: string;
}

function check(dir: string, args: readonly string[] = []): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['dist/cli/vaultly.js', 'check', 'build/examples/preflight.js', ...args],
      { timeout: 20_000, env: { ...process.env, NODE_OPTIONS: '', SECRETS_DIR: dir, STAGE: 'prod' } },
      (error, stdout, stderr) => resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, output: stdout + stderr }),
    );
  });
}

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vaultly-preflight-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function mount(files: Record<string, string>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), content);
  }
}

describe('examples/preflight.ts', () => {
  it('exits 1 naming the one file not mounted, then 0 once it is, never printing a value', async () => {
    const values = [canary('openai'), canary('db-password')];
    await mount({
      'services/openai/key': `${values[0]}\n`,
      'prod/flags': '{"beta":true,"regions":["eu"]}\n',
      'prod/debug': 'false\n',
      'prod/db/password': `${values[1]}\n`,
    });
    const first = await check(dir);
    expect(first.code).toBe(1);
    expect(first.output).toMatch(/^missing\s+\/prod\/db\/pool\s+AppConfig\.db\.pool$/m);
    expect(first.output).toContain('5 secrets: 4 ok, 1 missing, 0 denied, 0 errors');

    await mount({ 'prod/db/pool': '10\n' });
    const second = await check(dir, ['--json']);
    expect(second.code).toBe(0);
    expect(JSON.parse(second.output.slice(second.output.indexOf('{')))).toMatchObject({ ok: true, summary: { ok: 5 } });
    expect([...findCanaries(first.output), ...findCanaries(second.output)]).toEqual([]);
  });
});
