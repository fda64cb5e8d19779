// Native ESM (MikroORM 7 and TypeBox 1 ship only ESM): @swc/jest strips types, Node runs the modules.
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': [
      '@swc/jest',
      { jsc: { parser: { syntax: 'typescript' }, target: 'es2023' }, module: { type: 'es6' } },
    ],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  // The crash tests wait on the wall clock with worker processes killed; CI runs them apart (jest.crash.config.js).
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/test/crash/'],
  globalSetup: '<rootDir>/test/support/global-setup.mjs',
  globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
  testTimeout: 120000,
  maxWorkers: 2,
  // The Temporal SDK's native runtime keeps handles open after tests (sdk-typescript #928).
  forceExit: true,
};
