import { Migration } from '@mikro-orm/migrations';

/**
 * A payment the bank takes back (a returned cheque or debit, a chargeback) is `reversed`: its journal entries are
 * reversed and the invoices it paid are open again. The amounts stay as applied, so the row still says what the
 * reversal took back.
 */
export class Migration0131PaymentReversal extends Migration {
  override name = '0131-payment-reversal';

  override up(): void {
    this.addSql('ALTER TABLE payment DROP CONSTRAINT payment_status_check');
    this.addSql(
      `ALTER TABLE payment ADD CONSTRAINT payment_status_check CHECK (status IN ('received', 'applied', 'partially_applied', 'unapplied', 'reversed'))`,
    );
  }

  override down(): void {
    this.addSql('ALTER TABLE payment DROP CONSTRAINT payment_status_check');
    this.addSql(
      `ALTER TABLE payment ADD CONSTRAINT payment_status_check CHECK (status IN ('received', 'applied', 'partially_applied', 'unapplied'))`,
    );
  }
}
