// The fault suite (`npm run test:faults`): scenarios that drive the engine as separate processes against a private
// PostgreSQL cluster and their own Temporal dev servers, one file at a time (they kill and restart things).
import base from './jest.config.js';

export default {
  ...base,
  testMatch: ['<rootDir>/test/faults/**/*.fault.ts'],
  globalSetup: '<rootDir>/test/faults/support/global-setup.mjs',
  globalTeardown: '<rootDir>/test/faults/support/global-teardown.mjs',
  testTimeout: 900000,
  maxWorkers: 1,
};
