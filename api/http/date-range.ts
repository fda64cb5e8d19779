// A `from`..`to` pair of calendar dates in a querystring (reports, exports, statements): both real days, `to` not before
// `from`. Every problem is named by its parameter, so a client sees all of them in one 400.
import { isIsoDate } from '../../src/shared/journal.js';
import { problems } from './problem.js';

const NOT_A_DATE = 'must be a calendar date YYYY-MM-DD';

export function assertDateRange(from: string, to: string): void {
  const errors = [
    ...(isIsoDate(from) ? [] : [{ pointer: '/from', in: 'query' as const, detail: NOT_A_DATE }]),
    ...(isIsoDate(to) ? [] : [{ pointer: '/to', in: 'query' as const, detail: NOT_A_DATE }]),
  ];
  if (!errors.length && to < from) errors.push({ pointer: '/to', in: 'query', detail: 'must not be before from' });
  if (errors.length) throw problems.validation(errors);
}
