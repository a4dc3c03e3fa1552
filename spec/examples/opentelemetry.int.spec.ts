import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

// examples/opentelemetry.ts, built to build/examples by `npm test`: its embedded values must never be printed.
const SECRET_VALUES = ['example-db-password', 'example-api-key', 'example-old-db-password', 'example-rotated-api-key'];
const BATCH = 'vaultly.batch=true vaultly.model=ServiceConfig';
const GET = 'vaultly.batch=false vaultly.model=ServiceConfig';

describe('examples/opentelemetry', () => {
  it('records a span per backend call, fetch metrics by error name, and stale and change counters, never a value', async () => {
    const { stdout, stderr } = await run(process.execPath, ['build/examples/opentelemetry.js'], { timeout: 30_000 });
    expect(stderr).toBe('');
    // Sorted: the order in which the exporters list spans and data points is not part of the example.
    expect(stdout.trim().split('\n').sort()).toEqual(
      [
        `span vaultly fetch status=UNSET ${GET} vaultly.paths=/prod/db/password vaultly.version=1`,
        `span vaultly fetch status=UNSET ${BATCH} vaultly.paths=/prod/db/password,/prod/api/key`,
        `span vaultly fetch status=ERROR error.type=PartialBatchError ${BATCH} vaultly.paths=/prod/db/password,/prod/api/key`,
        `span vaultly fetch status=UNSET ${GET} vaultly.paths=/prod/api/key`,
        `metric vaultly.fetch.duration 2 ${GET}`,
        `metric vaultly.fetch.duration 1 ${BATCH}`,
        `metric vaultly.fetch.duration 1 error.type=PartialBatchError ${BATCH}`,
        `metric vaultly.fetch.errors 1 error.type=PartialBatchError ${BATCH}`,
        'metric vaultly.stale 1 error.type=TransientError vaultly.model=ServiceConfig vaultly.path=/prod/db/password',
        'metric vaultly.change 1 vaultly.model=ServiceConfig vaultly.path=/prod/api/key',
      ].sort(),
    );
    for (const value of SECRET_VALUES) expect(stdout).not.toContain(value);
    // Error messages ("HTTP 503 reading ...") are free text and stay out of spans and metrics.
    expect(stdout).not.toContain('503');
  }, 40_000);
});
