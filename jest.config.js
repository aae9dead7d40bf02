/**
 * Jest runs the TypeScript sources as native ES modules (middy and fauxqs ship ESM only),
 * so `npm test` starts Node with --experimental-vm-modules. Type checking is `tsc --noEmit`,
 * run first by `npm test`; ts-jest only transpiles.
 */
export default {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: {
    '^.+\\.ts$': ['ts-jest', { useESM: true, tsconfig: 'tsconfig.json' }],
  },
  testTimeout: 20000,
};
