import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { DIST, ROOT, requireBuild, runNode, specifiersResolvedBy } from '../../helpers/entryPoints.js';

describe('entry points', () => {
  beforeAll(() => requireBuild());

  it("import 'vaultly' does not load @aws-sdk/client-ssm", async () => {
    const resolved = await specifiersResolvedBy('index.js');
    expect(resolved).toContain('./errors.js');
    expect(resolved.filter((s) => s.includes('@aws-sdk') || s.includes('node-vault'))).toEqual([]);
  });

  it("import 'vaultly/testing' (which holds startSsmServer) does not load @aws-sdk/client-ssm", async () => {
    const resolved = await specifiersResolvedBy('testing/index.js');
    expect(resolved).toContain('./ssm/index.js');
    expect(resolved.filter((s) => s.includes('@aws-sdk'))).toEqual([]);
  });

  it("import 'vaultly/aws-ssm' does load @aws-sdk/client-ssm", async () => {
    const resolved = await specifiersResolvedBy('backends/aws-ssm/index.js');
    expect(resolved.some((s) => s.includes('/node_modules/@aws-sdk/client-ssm/'))).toBe(true);
  });

  describe('without the optional peer installed', () => {
    let dir: string;
    beforeAll(async () => {
      // A copy of dist/ with no node_modules above it: neither peer can be found from there.
      dir = await mkdtemp(join(tmpdir(), 'vaultly-nopeer-'));
      await cp(DIST, join(dir, 'dist'), { recursive: true });
    });
    afterAll(async () => {
      await rm(dir, { recursive: true, force: true });
    });

    /** Loads `entry` from the copy with `import` or `require`; resolves to what the child printed. */
    const load = (how: 'import' | 'require', entry: string, cwd = dir): Promise<string> => {
      const target = JSON.stringify(`./dist/${entry}`);
      const script =
        how === 'import'
          ? `import(${target}).then(() => console.log('loaded'), (e) => console.log(e.name + ': ' + e.message))`
          : `try { require(${target}); console.log('loaded'); } catch (e) { console.log(e.name + ': ' + e.message); }`;
      return runNode(['-e', script], cwd);
    };

    it.each([
      ['import', 'backends/aws-ssm/index.js', '@aws-sdk/client-ssm', 'vaultly/aws-ssm'],
      ['require', 'backends/aws-ssm/index.js', '@aws-sdk/client-ssm', 'vaultly/aws-ssm'],
      ['import', 'backends/vault/index.js', 'node-vault', 'vaultly/vault'],
      ['require', 'backends/vault/index.js', 'node-vault', 'vaultly/vault'],
    ] as const)('%s of %s fails with a ConfigError saying to install %s', async (how, entry, peer, subpath) => {
      await expect(load(how, entry)).resolves.toBe(
        `ConfigError: ${subpath} needs the package ${peer}, an optional peer dependency of vaultly: install it (npm install ${peer})`,
      );
    });

    it('with the peers installed, both entries load by import and by require (no top-level await)', async () => {
      for (const entry of ['backends/aws-ssm/index.js', 'backends/vault/index.js']) {
        await expect(load('import', entry, ROOT)).resolves.toBe('loaded');
        await expect(load('require', entry, ROOT)).resolves.toBe('loaded');
      }
    });
  });
});
