// Migrations in the order they run. Listed explicitly (not discovered from files) so they work the same under
// tsx, compiled JS and bundlers.
import { Migration0001Customers } from './0001-customers.js';
import { Migration0002Ledger } from './0002-ledger.js';
import { Migration0003Idempotency } from './0003-idempotency.js';

export const migrationsList = [
  { name: '0001-customers', class: Migration0001Customers },
  { name: '0002-ledger', class: Migration0002Ledger },
  { name: '0003-idempotency', class: Migration0003Idempotency },
];
