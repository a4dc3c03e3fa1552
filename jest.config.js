/** @type {import('jest').Config} */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/spec'],
  testMatch: ['**/*.spec.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: {
    '^vaultly$': '<rootDir>/lib/index.ts',
    '^vaultly/testing$': '<rootDir>/lib/testing/index.ts',
    '^vaultly/aws-ssm$': '<rootDir>/lib/backends/aws-ssm/index.ts',
    '^vaultly/aws-secrets-manager$': '<rootDir>/lib/backends/aws-secrets-manager/index.ts',
    '^vaultly/vault$': '<rootDir>/lib/backends/vault/index.ts',
    '^vaultly/nestjs$': '<rootDir>/lib/nestjs/index.ts',
    '^(\\.{1,2}/.*)\\.js$': '$1',
  },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  setupFiles: ['<rootDir>/spec/setup/quietAwsSdk.ts'],
  setupFilesAfterEnv: ['<rootDir>/spec/setup/leakCanaries.ts'],
  testTimeout: 15000,
};
