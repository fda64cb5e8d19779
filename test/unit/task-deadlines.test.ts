// Where each task type goes when its deadline passes is policy data the engine checks, and the duty table lets a
// manager work every type in the queue it goes to (otherwise an escalation would park work nobody may do).
import { ConfigError, loadConfig } from '../../src/config/config.js';
import {
  cashApplicationPolicyProblems,
  DEFAULT_CASH_APPLICATION_POLICY,
} from '../../src/payments/rules/cash-application-policy.js';
import {
  creditPolicyProblems,
  DEFAULT_CREDIT_POLICY,
  taskEscalationQueueOf,
} from '../../src/credit/rules/credit-policy.js';
import { DEFAULT_DISPUTE_POLICY } from '../../src/disputes/rules/dispute-policy.js';
import { DEFAULT_DUNNING_POLICY, dunningPolicyProblems } from '../../src/collections/rules/dunning-policy.js';
import { MANAGER_QUEUE, mayWork } from '../../src/tasks/rules/task-duties.js';

describe('task deadlines', () => {
  it('defaults every escalation to the finance director, also for policies recorded before it was policy data', () => {
    expect(DEFAULT_CREDIT_POLICY.taskEscalationQueue).toBe('finance-director');
    expect(taskEscalationQueueOf({ ...DEFAULT_CREDIT_POLICY, taskEscalationQueue: undefined })).toBe(MANAGER_QUEUE);
    expect(DEFAULT_CASH_APPLICATION_POLICY.researchEscalateTo).toBe(MANAGER_QUEUE);
    expect(loadConfig({}).policy.cashApplication.researchEscalateTo).toBe(MANAGER_QUEUE);
  });

  it('refuses an escalation queue that is not a queue name', () => {
    expect(creditPolicyProblems({ ...DEFAULT_CREDIT_POLICY, taskEscalationQueue: 'Finance Director' })).toContain(
      'taskEscalationQueue must be a queue name (lower-case letters, digits, . _ -)',
    );
    expect(cashApplicationPolicyProblems({ ...DEFAULT_CASH_APPLICATION_POLICY, researchEscalateTo: '' })).toEqual([
      { pointer: '/researchEscalateTo', detail: 'must be a queue name (lower-case letters, digits, . _ -)' },
    ]);
    const body = DEFAULT_DUNNING_POLICY;
    expect(dunningPolicyProblems({ ...body, managerQueue: 'a b' })).toEqual([
      { pointer: '/managerQueue', detail: 'must be a queue name (lower-case letters, digits, . _ -)' },
    ]);
    expect(dunningPolicyProblems({ ...body, managerQueue: 'collections-managers' })).toEqual([]);
    expect(() => loadConfig({ CASH_RESEARCH_ESCALATE_TO: 'Finance!' })).toThrow(ConfigError);
  });

  it.each<[string, string, string[]]>([
    ['credit_override', MANAGER_QUEUE, ['finance_director']],
    ['credit_approval', MANAGER_QUEUE, ['finance_director']],
    ['credit_note_approval', MANAGER_QUEUE, ['finance_director']],
    ['write_off_proposal', MANAGER_QUEUE, ['finance_director']],
    ['unapplied_cash_research', MANAGER_QUEUE, ['finance_director', 'ar_clerk']],
    ['collection_call', MANAGER_QUEUE, ['finance_director', 'collector']],
    ['dunning_letter', MANAGER_QUEUE, ['finance_director', 'collector']],
    ['dunning_sms', MANAGER_QUEUE, ['finance_director', 'collector']],
    ['dispute_acknowledgement', DEFAULT_DISPUTE_POLICY.managerQueue, ['finance_director', 'dispute_handler']],
  ])('an escalated %s in %s is worked by %j', (type, queue, roles) => {
    for (const role of [
      'admin',
      'ar_clerk',
      'collector',
      'dispute_handler',
      'credit_manager',
      'finance_director',
      'auditor',
    ]) {
      expect([role, mayWork([role], { type, queue })]).toEqual([role, roles.includes(role)]);
    }
  });
});
