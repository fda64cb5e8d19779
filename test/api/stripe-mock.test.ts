// The Stripe double must start beside another copy of itself: jest runs test files in parallel, and three of them
// (the portal API, the portal in a browser, the pay-from-e-mail journey) each start one.
import { startStripeMock, type StripeMock } from '../support/stripe-mock.js';

test('two stripe-mocks started at the same moment both answer, each on its own ports', async () => {
  const started = await Promise.allSettled([startStripeMock(), startStripeMock()]);
  const mocks = started.flatMap((result) => (result.status === 'fulfilled' ? [result.value] : []));
  try {
    expect(started.map((result) => (result.status === 'rejected' ? String(result.reason) : 'started'))).toEqual([
      'started',
      'started',
    ]);
    expect(new Set(mocks.map((mock) => mock.url)).size).toBe(2);
    for (const mock of mocks) {
      const res = await fetch(`${mock.url}/v1/payment_intents`, { headers: { authorization: 'Bearer sk_test_123' } });
      expect(res.status).toBe(200);
    }
  } finally {
    await Promise.all(mocks.map((mock: StripeMock) => mock.close()));
  }
});
