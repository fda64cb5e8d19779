// Migrations in the order they run. Listed explicitly (not discovered from files) so they work the same under
// tsx, compiled JS and bundlers.
import { Migration0001Customers } from './0001-customers.js';
import { Migration0002Ledger } from './0002-ledger.js';
import { Migration0003Idempotency } from './0003-idempotency.js';
import { Migration0004PaymentTerms } from './0004-payment-terms.js';
import { Migration0005CustomerProfile } from './0005-customer-profile.js';
import { Migration0006CustomerBalances } from './0006-customer-balances.js';
import { Migration0007CustomerPostcodeKey } from './0007-customer-postcode-key.js';
import { Migration0008CustomerNameCore } from './0008-customer-name-core.js';
import { Migration0010Invoices } from './0010-invoices.js';
import { Migration0020Payments } from './0020-payments.js';
import { Migration0030DomainEvents } from './0030-domain-events.js';
import { Migration0040Collections } from './0040-collections.js';
import { Migration0080Integrations } from './0080-integrations.js';
import { Migration0050Disputes } from './0050-disputes.js';
import { Migration0060Credit } from './0060-credit.js';
import { Migration0070ArOpenItems } from './0070-ar-open-items.js';
import { Migration0071DocumentsAndKpiSnapshots } from './0071-documents-and-kpi-snapshots.js';
import { Migration0090Auth } from './0090-auth.js';
import { Migration0091Portal } from './0091-portal.js';
import { Migration0120ArOpenItemAgingIndex } from './0120-ar-open-item-aging-index.js';
import { Migration0130WorkflowStarts } from './0130-workflow-starts.js';

export const migrationsList = [
  { name: '0001-customers', class: Migration0001Customers },
  { name: '0002-ledger', class: Migration0002Ledger },
  { name: '0003-idempotency', class: Migration0003Idempotency },
  { name: '0004-payment-terms', class: Migration0004PaymentTerms },
  { name: '0005-customer-profile', class: Migration0005CustomerProfile },
  { name: '0006-customer-balances', class: Migration0006CustomerBalances },
  { name: '0007-customer-postcode-key', class: Migration0007CustomerPostcodeKey },
  { name: '0008-customer-name-core', class: Migration0008CustomerNameCore },
  { name: '0010-invoices', class: Migration0010Invoices },
  { name: '0020-payments', class: Migration0020Payments },
  { name: '0030-domain-events', class: Migration0030DomainEvents },
  { name: '0040-collections', class: Migration0040Collections },
  { name: '0050-disputes', class: Migration0050Disputes },
  { name: '0060-credit', class: Migration0060Credit },
  { name: '0070-ar-open-items', class: Migration0070ArOpenItems },
  { name: '0071-documents-and-kpi-snapshots', class: Migration0071DocumentsAndKpiSnapshots },
  { name: '0080-integrations', class: Migration0080Integrations },
  { name: '0090-auth', class: Migration0090Auth },
  { name: '0091-portal', class: Migration0091Portal },
  { name: '0120-ar-open-item-aging-index', class: Migration0120ArOpenItemAgingIndex },
  { name: '0130-workflow-starts', class: Migration0130WorkflowStarts },
];
