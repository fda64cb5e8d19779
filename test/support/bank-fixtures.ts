// The bank statement files under test/fixtures/bank (camt.053 and CSV exports), read as text.
import { readFileSync } from 'node:fs';

export const bankFixture = (name: string): string =>
  readFileSync(new URL(`../fixtures/bank/${name}`, import.meta.url), 'utf8');
