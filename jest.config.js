// Native ESM (MikroORM 7 and TypeBox 1 ship only ESM): @swc/jest strips types, Node runs the modules.
export default {
  testEnvironment: 'node',
  extensionsToTreatAsEsm: ['.ts'],
  transform: {
    '^.+\\.ts$': ['@swc/jest', { jsc: { parser: { syntax: 'typescript' }, target: 'es2023' }, module: { type: 'es6' } }],
  },
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  testMatch: ['<rootDir>/test/**/*.test.ts'],
  globalSetup: '<rootDir>/test/support/global-setup.mjs',
  globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
  testTimeout: 120000,
  // Three files at once on two cores: most files spend much of their time waiting on timers, workflows and sockets
  // (a worker process's crash and restart, a real-time reminder), so a third keeps the cores busy meanwhile.
  maxWorkers: 3,
  // A worker that has loaded many files' module graphs is replaced before its garbage collection slows every file.
  workerIdleMemoryLimit: '1500MB',
  // The Temporal SDK's native runtime keeps handles open after tests (sdk-typescript #928).
  forceExit: true,
};
