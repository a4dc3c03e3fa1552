import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

// The demo's embedded secret values: none may ever be printed.
const SECRET_VALUES = [
  'sk-demo-0123456789abcdef',
  'correct-horse-battery-staple',
  'rotated-password-value',
  'eu-west-1',
  'first-password',
  'ssm-password-v1',
  'ssm-password-v2',
  'ssm-password-v3',
  '10.0.0.1',
  'value-of-',
  'second-password',
  'payments-app',
  'sm-password-v',
  'file-password-v',
];

describe('npm run demo', () => {
  it('exits 0, walks every section and prints masked values only', async () => {
    // npm test builds dist/ and build/ before jest runs.
    const { stdout, stderr } = await run(process.execPath, ['build/examples/demo.js'], { timeout: 60_000 });
    const output = stdout + stderr;
    expect(output).toContain("apiKey: '***'");
    expect(output).toContain('3 secrets not found: /prod/flags, /prod/db/password, /prod/db/pool');
    expect(output).toContain('sync read still serves the last value = true');
    expect(output).toContain('boot: 1 GetParameters + 1 GetParameter (the version pin)');
    expect(output).toContain('getBatch of 12 names: 12 values in 2 GetParameters calls');
    expect(output).toContain('rotated with PutParameter, then refresh(): value changed = true');
    expect(output).toContain('outage: sync read serves the last value = true; getSecret too = true');
    expect(output).toContain('boot: 3 HTTP reads for 4 fields');
    expect(output).toContain('tokenFactory was called 1 time(s)');
    expect(output).toContain('pinned version differs from latest = true');
    expect(output).toContain('AWSPENDING put: 20/20 queries ok (AWSCURRENT has not moved)');
    expect(output).toContain('onChange: OrdersDb.password (prod/orders-db#password) changed: the pool reconnects');
    expect(output).toContain('AWSCURRENT moved: 20/20 queries ok after one shared refresh');
    expect(output).toContain('pool reconnected 1 time(s); GetSecretValue calls during the rotation: 1');
    expect(output).toContain('..data swapped: the cached value is kept until a refresh = true');
    expect(output).toContain('refresh() after the swap: value changed = true; onChange fired 1 time(s)');
    expect(output).toContain('demo finished');
    for (const value of SECRET_VALUES) expect(output).not.toContain(value);
  }, 90_000);
});
