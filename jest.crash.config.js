// The crash tests (`npm run test:crash`, run by CI after `npm test`): worker processes SIGKILLed and restarted while
// real-time timers and activities are due, on the main suite's set-up (template database, dev server, bundle). They
// mostly wait on the wall clock (a reminder coming due while no worker lives), so they run apart from the main suite,
// whose budget is CPU, beside the fault suite that exercises the same kind of failure at batch scale.
import base from './jest.config.js';

export default {
  ...base,
  testMatch: ['<rootDir>/test/crash/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  // Four files that wait on the wall clock: all at once.
  maxWorkers: 4,
};
