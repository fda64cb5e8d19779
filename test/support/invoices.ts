// Issues invoices straight through the issuing service, for workflow and ledger tests that start workflows themselves.
import type { Orm } from '../../src/db/orm.js';
import { insertInvoice, prepareInvoice, type IssueInvoiceRequest } from '../../src/invoices/issue.js';

export async function issueInvoiceDirectly(orm: Orm, request: IssueInvoiceRequest, today: string) {
  return orm.em.fork().transactional(async (tx) => {
    const prepared = await prepareInvoice(tx, request, { today, actor: 'test' });
    const stored = await insertInvoice(tx, prepared);
    return { ...stored, prepared };
  });
}

export const consultingLines = (currency: string) => [
  { description: 'Consulting, November', quantity: 10, unitPrice: { amount: 12_000, currency }, taxRate: '19' },
  { description: 'Travel expenses', quantity: 1.5, unitPrice: { amount: 3333, currency }, taxRate: '7' },
];
