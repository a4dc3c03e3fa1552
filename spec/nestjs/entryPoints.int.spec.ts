import { resolve } from 'node:path';

import { DIST, requireBuild, runNode, specifiersResolvedBy } from '../helpers/entryPoints.js';

describe('entry point vaultly/nestjs', () => {
  beforeAll(() => requireBuild('nestjs/index.js'));

  it("import 'vaultly' does not load @nestjs/common or @nestjs/core", async () => {
    const loaded = await specifiersResolvedBy('index.js');
    expect(loaded).toContain('./errors.js');
    expect(loaded.filter((s) => s.includes('@nestjs'))).toEqual([]);
  });

  it("import 'vaultly/nestjs' loads no copy of Nest of its own (it needs Nest's types only)", async () => {
    const loaded = await specifiersResolvedBy('nestjs/index.js');
    expect(loaded).toContain('./VaultlyModule.js');
    expect(loaded.filter((s) => s.includes('@nestjs'))).toEqual([]);
  });

  it("require('vaultly/nestjs') works from CommonJS and shares the root's VAULTLY tokens", async () => {
    const script = `
const nest = require(${JSON.stringify(resolve(DIST, 'nestjs/index.js'))});
const root = require(${JSON.stringify(resolve(DIST, 'index.js'))});
console.log(JSON.stringify({ module: typeof nest.VaultlyModule.forRoot, sameTokens: nest.VAULTLY === root.VAULTLY }));
`;
    await expect(runNode(['-e', script]).then(JSON.parse)).resolves.toEqual({ module: 'function', sameTokens: true });
  });
});
