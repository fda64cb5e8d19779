// What the research task for unapplied cash is, as plain data: the store creates it, and the cash application workflow
// (which may import only pure code) names it when it escalates the task at its deadline.
export const RESEARCH_TASK_TYPE = 'unapplied_cash_research';
export const RESEARCH_QUEUE = 'cash-application';
