import { requireBuild, specifiersResolvedBy } from '../../helpers/entryPoints.js';

describe('entry points (Secrets Manager)', () => {
  beforeAll(() => requireBuild());

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
