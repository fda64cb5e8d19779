// Requests as a named member of staff, for tests of who may decide what (approvals, four eyes, deadlines, the
// decision audit): the same few lines every such test needs, against whichever engine its file started.
import type { TestEngine } from './engine.js';

export type Headers = Record<string, string>;

export function staffRequests(engine: () => TestEngine) {
  return {
    /** Headers of `actor` signed in with `role` (two actors of one role are two people). */
    as: (role: Parameters<TestEngine['headersFor']>[0], actor: string) =>
      engine().headersFor(role, undefined, { actor }),
    get: (url: string, headers?: Headers) => engine().app.inject({ method: 'GET', url, headers }),
    post: (url: string, payload: Record<string, unknown>, headers?: Headers) =>
      engine().app.inject({ method: 'POST', url, payload, headers }),
    put: (url: string, payload: Record<string, unknown>, headers?: Headers) =>
      engine().app.inject({ method: 'PUT', url, payload, headers }),
  };
}

export const eur = (amount: number) => ({ amount, currency: 'EUR' });

/** A credit application for `requestedLimit` euro cents from a sound, low-risk business. */
export const soundCreditApplication = (requestedLimit: number) => ({
  requestedLimit,
  currency: 'EUR',
  financials: {
    yearsInBusiness: 12,
    currentAssets: 30_000_000,
    currentLiabilities: 10_000_000,
    operatingCashFlow: 5_000_000,
    totalAssets: 100_000_000,
    totalLiabilities: 20_000_000,
    revenue: 250_000_000,
    netIncome: 12_000_000,
  },
  tradeReferences: [{ name: 'Initech', behaviour: 'on_time' }],
  bureauScore: 82,
  industry: { code: '62', risk: 'low' },
});
