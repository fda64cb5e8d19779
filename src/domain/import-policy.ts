// Policy data of bulk imports, recorded in each import workflow's input.
export interface ImportPolicy {
  /** Rows processed per activity call (one database transaction with a savepoint per row). */
  batchSize: number;
  version: string;
}

export const DEFAULT_IMPORT_POLICY: ImportPolicy = { batchSize: 500, version: 'default-1' };
