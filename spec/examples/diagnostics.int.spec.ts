import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

// examples/diagnostics.ts, built to build/examples by `npm test`: its embedded values must never be printed.
const SECRET_VALUES = ['example-db-password', 'example-api-key', 'example-old-db-password'];

describe('examples/diagnostics', () => {
  it('turns the fetch and stale channels into log lines that name paths, never values', async () => {
    const { stdout, stderr } = await run(process.execPath, ['build/examples/diagnostics.js'], { timeout: 30_000 });
    const lines = stdout.trim().split('\n');
    expect(stderr).toBe('');
    expect(lines).toEqual([
      expect.stringMatching(/^vaultly fetch: ServiceConfig get \[\/prod\/db\/password\] version 1 in [\d.]+ ms ok$/),
      expect.stringMatching(/^vaultly fetch: ServiceConfig getBatch \[\/prod\/db\/password, \/prod\/api\/key\] in [\d.]+ ms ok$/),
      expect.stringMatching(/^vaultly fetch: ServiceConfig getBatch \[\/prod\/db\/password, \/prod\/api\/key\] in [\d.]+ ms failed: PartialBatchError: /),
      'vaultly stale: ServiceConfig served the last value of ServiceConfig.dbPassword (/prod/db/password) after TransientError',
    ]);
    for (const value of SECRET_VALUES) expect(stdout).not.toContain(value);
  }, 40_000);
});
