// Bank statement transactions normalized from any file format, and the error every parser throws for bad input.

export interface BankTransaction {
  /** 0-based position in the file (entry, then transaction detail order). */
  position: number;
  creditDebit: 'credit' | 'debit';
  /** Positive integer minor units. */
  amount: number;
  currency: string;
  bookingDate: string;
  valueDate: string | null;
  endToEndId: string | null;
  /** The bank's own reference of the entry (unique per account at most banks). */
  acctSvcrRef: string | null;
  /** Unstructured remittance text, lines joined by a space. */
  remittance: string;
  counterpartyName: string | null;
  counterpartyIban: string | null;
}

export interface ParsedStatement {
  format: 'camt053' | 'csv';
  statementRef: string | null;
  accountIban: string | null;
  /** The account currency, when the file states it. */
  currency: string | null;
  transactions: BankTransaction[];
}

/** Bad input in a statement file: `pointer` names the place (an XML path or `/rows/<n>/<column>`). */
export class StatementError extends Error {
  constructor(
    readonly status: 400 | 413 | 422,
    readonly pointer: string,
    detail: string,
  ) {
    super(detail);
    this.name = 'StatementError';
  }
}

/** Limits that keep a hostile file from exhausting the worker. */
export const STATEMENT_LIMITS = { maxBytes: 5 * 1024 * 1024, maxTransactions: 10_000, maxLineLength: 4096 } as const;
