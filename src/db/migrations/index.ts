// Migrations in the order they run. Listed explicitly (not discovered from files) so they work the same under
// tsx, compiled JS and bundlers.
import { Migration0001Customers } from './0001-customers.js';

export const migrationsList = [{ name: '0001-customers', class: Migration0001Customers }];
