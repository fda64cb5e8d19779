// One age for an overdue invoice, wherever it is shown or acted on: the due date decides, not the instant the engine
// noticed (an invoice posted late or imported at go-live is as old as its due date says). With instalments, the age is
// that of the earliest instalment the payments so far have not covered: paying the first instalment of three makes the
// invoice as old as the second one's due date.

export interface AgeableInvoice {
  dueDate: string;
  totalAmount: number;
  openAmount: number;
  instalments?: readonly { dueDate: string; amount: { amount: number } }[] | null;
}

/** The date (YYYY-MM-DD) from which the invoice counts as past due: its own or its earliest unpaid instalment's. */
export function pastDueFrom(invoice: AgeableInvoice): string {
  const instalments = invoice.instalments ?? [];
  if (instalments.length === 0) return invoice.dueDate;
  const paid = Math.max(0, invoice.totalAmount - invoice.openAmount);
  let covered = 0;
  for (const instalment of [...instalments].sort((a, b) => a.dueDate.localeCompare(b.dueDate))) {
    covered += instalment.amount.amount;
    if (covered > paid) return instalment.dueDate;
  }
  return invoice.dueDate;
}

/** The instant aging starts (midnight UTC of the past-due date), the same basis as aging reports and letters. */
export function pastDueInstant(invoice: AgeableInvoice): string {
  return `${pastDueFrom(invoice)}T00:00:00.000Z`;
}

/** Whole days past due at `now` (0 before the date). */
export function daysPastDue(pastDueAt: string | Date, now: Date): number {
  const from = typeof pastDueAt === 'string' ? Date.parse(pastDueAt) : pastDueAt.getTime();
  return Math.max(0, Math.floor((now.getTime() - from) / 86_400_000));
}
