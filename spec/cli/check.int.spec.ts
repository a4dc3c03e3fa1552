import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { startSsmServer, startVaultServer, type SsmServer, type VaultServer } from 'vaultly/testing';
import { canary, findCanaries } from '../helpers/canary.js';

// End to end: the built `vaultly` command (dist/, built by `npm test` before jest) run as a child
// process against the loopback SSM and Vault servers, with fixture modules written to a temp dir.
// NODE_NO_WARNINGS: the AWS SDK warns about Node 20 on stderr, which the assertions read.

const root = fileURLToPath(new URL('../../', import.meta.url));
const cli = join(root, 'dist', 'cli', 'vaultly.js');
const dist = (file: string): string => JSON.stringify(join(root, 'dist', file));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runCli(args: readonly string[], cwd: string): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cli, ...args], { cwd, timeout: 20_000, env: { ...process.env, NODE_OPTIONS: '', NODE_NO_WARNINGS: '1' } }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stdout, stderr });
    });
  });
}

/** Every canary printed by a run: the check must never print a value. */
function leaks(run: Run): string[] {
  return [...findCanaries(run.stdout, 'stdout'), ...findCanaries(run.stderr, 'stderr')].map((hit) => hit.excerpt);
}

/**
 * Denied reads, in one place. SSM's denied requests are counted in arrival order (the check is
 * sequential after a failed batch, so that order is known); Vault's match a request path.
 */
const deny = {
  ssmNextRequests(server: SsmServer, count: number): void {
    server.faults.failNext('credentials', { times: count, code: 'AccessDeniedException' });
  },
  vaultSecret(server: VaultServer, secret: string): void {
    server.faults.failNext('credentials', { times: Number.POSITIVE_INFINITY, match: (r) => r.path.endsWith(`/${secret}`) });
  },
};

/** A plain-JS model declaration: legacy decorators applied by hand, with the design:type tsc would emit. */
const DECLARE = `
const secret = (type, name, path, options) => {
  Reflect.defineMetadata('design:type', String, type.prototype, name);
  Secret(path, options)(type.prototype, name);
};
`;

let dir: string;

beforeAll(() => {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npm run build\` first (npm test does)`);
});

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'vaultly-cli-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('vaultly check', () => {
  describe('against the loopback SSM server (an ESM module)', () => {
    let ssm: SsmServer;
    const values = { payments: canary('payments'), api: canary('api'), flag: canary('flag'), db: canary('db') };

    beforeEach(async () => {
      ssm = await startSsmServer({
        parameters: {
          '/prod/payments/key': { value: values.payments, type: 'SecureString' },
          '/prod/api/key': values.api,
          '/shared/flag': values.flag,
          '/prod/db/password': { value: values.db, type: 'SecureString' },
          '/prod/db/user': 'app',
        },
      });
    });

    afterEach(async () => {
      await ssm.close();
    });

    async function writeSsmFixture(): Promise<string> {
      const file = join(dir, 'preflight.mjs');
      await writeFile(
        file,
        `import { SecretModel, Secret, Nested } from ${dist('index.js')};
import { AWSSSMBackend } from ${dist('backends/aws-ssm/index.js')};
${DECLARE}
class Db {}
secret(Db, 'password', '/{stage}/db/password');
secret(Db, 'user', '/{stage}/db/user');
SecretModel()(Db);

class App { constructor(stage) { this.stage = stage; } }
secret(App, 'paymentsKey', '/{stage}/payments/key');
secret(App, 'apiKey', '/{stage}/api/key');
secret(App, 'apiKeyAgain', '/{stage}/api/key');
secret(App, 'flag', '/shared/flag', { version: 1 });
Nested(() => Db)(App.prototype, 'db');
SecretModel()(App);

export default async () => ({
  backend: new AWSSSMBackend({
    region: ${JSON.stringify(ssm.region)},
    clientConfig: { endpoint: ${JSON.stringify(ssm.endpoint)}, credentials: { accessKeyId: 'test', secretAccessKey: 'test' } },
  }),
  models: [new App('prod')],
});
`,
      );
      return file;
    }

    it('exits 0 and prints one ok row per path, in declaration order, when every secret is readable, in one batch', async () => {
      await writeSsmFixture();
      const run = await runCli(['check', 'preflight.mjs'], dir);
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const lines = run.stdout.trimEnd().split('\n');
      expect(lines).toHaveLength(6);
      expect(lines[0]).toMatch(/^ok\s+\/prod\/payments\/key\s+App\.paymentsKey$/);
      expect(lines[1]).toMatch(/^ok\s+\/prod\/api\/key\s+App\.apiKey, App\.apiKeyAgain$/);
      expect(lines[2]).toMatch(/^ok\s+\/shared\/flag@1\s+App\.flag$/);
      expect(lines[3]).toMatch(/^ok\s+\/prod\/db\/password\s+App\.db\.password$/);
      expect(lines[4]).toMatch(/^ok\s+\/prod\/db\/user\s+App\.db\.user$/);
      expect(lines[5]).toBe('5 secrets: 5 ok, 0 missing, 0 denied, 0 errors');
      expect(ssm.requestCount('GetParameters')).toBe(1);
      expect(ssm.requestCount('GetParameter')).toBe(1); // the versioned one
      expect(leaks(run)).toEqual([]);
    });

    it('exits 1 with missing and denied rows (--json), checking path by path after a denied batch', async () => {
      ssm.deleteParameter('/prod/db/user');
      await writeSsmFixture();
      deny.ssmNextRequests(ssm, 2); // the batch, then the first path read on its own
      const run = await runCli(['check', join(dir, 'preflight.mjs'), '--json'], tmpdir());
      expect(run.stderr).toBe('');
      expect(run.code).toBe(1);
      const report = JSON.parse(run.stdout) as { ok: boolean; summary: unknown; rows: unknown[] };
      expect(report.ok).toBe(false);
      expect(report.summary).toEqual({ ok: 3, missing: 1, denied: 1, error: 0 });
      expect(report.rows).toEqual([
        { path: '/prod/payments/key', fields: ['App.paymentsKey'], status: 'denied' },
        { path: '/prod/api/key', fields: ['App.apiKey', 'App.apiKeyAgain'], status: 'ok' },
        { path: '/shared/flag', version: 1, fields: ['App.flag'], status: 'ok' },
        { path: '/prod/db/password', fields: ['App.db.password'], status: 'ok' },
        { path: '/prod/db/user', fields: ['App.db.user'], status: 'missing' },
      ]);
      expect(ssm.requestCount('GetParameters')).toBe(1);
      expect(ssm.requestCount('GetParameter')).toBe(5);
      expect(leaks(run)).toEqual([]);
    });

    it('marks the paths a batch names missing without reading the others again', async () => {
      ssm.deleteParameter('/prod/db/user');
      await writeSsmFixture();
      const run = await runCli(['check', 'preflight.mjs', '--json'], dir);
      expect(run.code).toBe(1);
      const report = JSON.parse(run.stdout) as { summary: unknown };
      expect(report.summary).toEqual({ ok: 4, missing: 1, denied: 0, error: 0 });
      expect(ssm.requestCount('GetParameter')).toBe(1);
      expect(leaks(run)).toEqual([]);
    });
  });

  describe('against the loopback Vault server (a CommonJS module)', () => {
    let vault: VaultServer;
    const password = canary('vault-password');
    const payments = canary('vault-payments');

    beforeEach(async () => {
      vault = await startVaultServer({ secrets: { 'prod/db': { password, user: 'app' }, 'prod/payments': { value: payments } } });
      deny.vaultSecret(vault, 'prod/payments');
    });

    afterEach(async () => {
      await vault.close();
    });

    it('exits 1 and prints ok, missing (secret and key), denied and error rows', async () => {
      await writeFile(
        join(dir, 'preflight.cjs'),
        `const { SecretModel, Secret } = require(${dist('index.js')});
const { VaultBackend } = require(${dist('backends/vault/index.js')});
${DECLARE}
class App { constructor() { this.stage = 'prod'; } }
secret(App, 'password', '/{stage}/db:password');
secret(App, 'token', '/{stage}/db:token');
secret(App, 'payments', '/{stage}/payments');
secret(App, 'gone', '/{stage}/gone');
secret(App, 'region', '/{region}/db:password');
SecretModel()(App);
module.exports = { backend: new VaultBackend({ url: ${JSON.stringify(vault.endpoint)}, token: ${JSON.stringify(vault.token)} }), models: [new App()] };
`,
      );
      const run = await runCli(['check', 'preflight.cjs'], dir);
      expect(run.code).toBe(1);
      const lines = run.stdout.trimEnd().split('\n');
      expect(lines[0]).toMatch(/^ok\s+\/prod\/db:password\s+App\.password$/);
      expect(lines[1]).toMatch(/^missing\s+\/prod\/db:token\s+App\.token$/);
      expect(lines[2]).toMatch(/^denied\s+\/prod\/payments\s+App\.payments$/);
      expect(lines[3]).toMatch(/^missing\s+\/prod\/gone\s+App\.gone$/);
      expect(lines[4]).toMatch(/^error: MissingContextVariableError\s+\/\{region\}\/db:password\s+App\.region$/);
      expect(lines[5]).toContain('unknown context variable {region}');
      expect(lines[6]).toBe('5 secrets: 1 ok, 2 missing, 1 denied, 1 error');
      expect(leaks(run)).toEqual([]);
    });
  });

  describe('bad arguments and bad modules', () => {
    it.each([
      [[], /missing command/],
      [['check'], /needs a module path/],
      [['verify', 'x.mjs'], /unknown command 'verify'/],
      [['check', 'a.mjs', 'b.mjs'], /unexpected argument 'b\.mjs'/],
      [['check', 'a.mjs', '--yaml'], /--yaml/],
    ])('exits 2 for %j, saying why and how to call it', async (args, message) => {
      const run = await runCli(args, dir);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stderr).toContain('Usage: vaultly check <module> [--json]');
      expect(run.stdout).toBe('');
    });

    it.each([
      ['a module whose default export never settles', 'export default () => new Promise(() => {});'],
      [
        'a backend whose reads never settle',
        `import { Backend, Secret, SecretModel } from ${dist('index.js')};
${DECLARE}
class App { constructor() { this.stage = 'prod'; } }
secret(App, 'apiKey', '/{stage}/api/key');
SecretModel()(App);
class Stuck extends Backend { get() { return new Promise(() => {}); } getBatch() { return new Promise(() => {}); } }
export default { backend: new Stuck(), models: [new App()] };`,
      ],
    ])('exits 1 saying the check never finished, for %s (never 0 with nothing checked)', async (_, source) => {
      await writeFile(join(dir, 'stuck.mjs'), source);
      const run = await runCli(['check', 'stuck.mjs'], dir);
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/the check never finished/);
    });

    it('prints the usage and exits 0 for --help', async () => {
      const run = await runCli(['--help'], dir);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain('Usage: vaultly check <module> [--json]');
    });

    it.each([
      ['missing.mjs', null, /cannot load .*missing\.mjs/],
      ['syntax.mjs', 'export default {', /cannot load .*SyntaxError/],
      ['throws.mjs', 'export default () => { throw new TypeError("no config"); };', /default export .* failed: TypeError: no config/],
      ['empty.mjs', 'export const x = 1;', /default export must be .*; it is undefined/],
      ['nobackend.mjs', 'export default { backend: {}, models: [] };', /backend must be a vaultly Backend/],
      [
        'nomodels.mjs',
        `import { EnvBackend } from ${dist('index.js')}; export default { backend: new EnvBackend(), models: [] };`,
        /models must be a non-empty array/,
      ],
      [
        'notmodel.mjs',
        `import { EnvBackend } from ${dist('index.js')}; export default { backend: new EnvBackend(), models: [new Date()] };`,
        /models\[0\] is not an instance of a @SecretModel class/,
      ],
    ])('exits 2 for a bad module (%s)', async (name, source, message) => {
      if (source !== null) await writeFile(join(dir, name), source);
      const run = await runCli(['check', name], dir);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(message);
      expect(run.stdout).toBe('');
    });
  });
});
