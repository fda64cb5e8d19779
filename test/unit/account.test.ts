import {
  applySnapshot,
  closeAccount,
  DEFAULT_ACCOUNT_POLICY,
  MAX_RECORDED_CHANGES,
  openAccount,
  validateAccountPolicy,
} from '../../src/customers/rules/account.js';

const now = new Date('2026-11-01T09:00:00Z');
const policy = { refreshEvery: 'P1D' };
const opened = () => openAccount({ customerId: 'c1', currency: 'EUR', now, policy });

describe('account rules', () => {
  it('opens active with the first refresh one policy period away', () => {
    expect(opened()).toMatchObject({
      status: 'active',
      refreshCount: 0,
      lastRefreshedAt: null,
      nextRefreshAt: '2026-11-02T09:00:00.000Z',
    });
  });

  it('takes status and version from the stored record and schedules the next refresh', () => {
    const later = new Date('2026-11-02T09:00:00Z');
    const state = applySnapshot(
      opened(),
      { exists: true, status: 'on_hold', currency: 'EUR', profileVersion: 3 },
      later,
      policy,
    );
    expect(state).toMatchObject({
      status: 'on_hold',
      profileVersion: 3,
      refreshCount: 1,
      nextRefreshAt: '2026-11-03T09:00:00.000Z',
    });
    expect(state.changes).toEqual([
      { at: later.toISOString(), field: 'status', from: 'active', to: 'on_hold', by: 'system:refresh' },
    ]);
  });

  it('records no change when nothing changed', () => {
    const state = applySnapshot(
      opened(),
      { exists: true, status: 'active', currency: 'EUR', profileVersion: 1 },
      now,
      policy,
    );
    expect(state.changes).toEqual([]);
  });

  it('closes when the record is gone, and on request', () => {
    expect(
      applySnapshot(opened(), { exists: false, status: 'closed', currency: '', profileVersion: 0 }, now, policy).status,
    ).toBe('closed');
    const closed = closeAccount(opened(), now, 'clerk');
    expect(closed).toMatchObject({ status: 'closed', closedAt: now.toISOString() });
    expect(closeAccount(closed, new Date('2027-01-01'), 'again')).toBe(closed);
  });

  it('keeps a bounded change log so continue-as-new carries a small state', () => {
    let state = opened();
    for (let i = 0; i < MAX_RECORDED_CHANGES + 10; i++) {
      state = applySnapshot(
        state,
        { exists: true, status: i % 2 ? 'active' : 'on_hold', currency: 'EUR', profileVersion: i },
        now,
        policy,
      );
    }
    expect(state.changes).toHaveLength(MAX_RECORDED_CHANGES);
  });

  it('validates policy durations', () => {
    expect(() => validateAccountPolicy(DEFAULT_ACCOUNT_POLICY)).not.toThrow();
    expect(() => validateAccountPolicy({ refreshEvery: '1 day' })).toThrow('not an ISO-8601 duration');
  });
});
