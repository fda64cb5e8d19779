// Policy data of bulk imports, recorded in each import workflow's input.
export interface ImportPolicy {
  /**
   * Rows processed per activity call, one database transaction each. Invoices and opening balances are written as a
   * set (a fixed number of statements per batch), so a larger batch spreads the per-call cost of the workflow round
   * trip and the commit over more rows; customers go row by row within the batch.
   */
  batchSize: number;
  version: string;
}

export const DEFAULT_IMPORT_POLICY: ImportPolicy = { batchSize: 1000, version: 'default-2' };
