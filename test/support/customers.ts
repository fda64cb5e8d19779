import { randomUUID } from 'node:crypto';
import { Customer } from '../../src/db/entities/customer.js';
import type { Orm } from '../../src/db/orm.js';

/** Stores a customer row directly, for workflow tests that start the account workflow themselves. */
export async function insertCustomer(
  orm: Orm,
  overrides: Partial<Pick<Customer, 'legalName' | 'email' | 'currency'>> = {},
): Promise<Customer> {
  const em = orm.em.fork();
  const customer = em.create(Customer, {
    id: randomUUID(),
    legalName: overrides.legalName ?? 'Initech LLC',
    displayName: null,
    email: overrides.email ?? `ap+${randomUUID().slice(0, 8)}@initech.example`,
    currency: overrides.currency ?? 'USD',
    termsCode: 'NET30',
    billingAddress: { line1: '4120 Freidrich Ln', city: 'Austin', postalCode: '78744', country: 'US' },
    status: 'active',
  });
  await em.persist(customer).flush();
  return customer;
}
