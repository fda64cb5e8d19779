import { defineEntity, p } from '@mikro-orm/postgresql';
import { Invoice } from './invoice.js';

export const InvoiceLine = defineEntity({
  name: 'InvoiceLine',
  tableName: 'invoice_line',
  properties: {
    invoiceId: () =>
      p
        .manyToOne(Invoice)
        .mapToPk()
        .fieldName('invoice_id')
        .primary()
        .deleteRule('no action')
        .updateRule('no action')
        .foreignKeyName('invoice_line_invoice_id_fkey')
        .columnType('uuid'),
    lineNo: p.integer().primary(),
    description: p.text(),
    quantityMilli: p.bigint('number'),
    unitPrice: p.bigint('number'),
    taxRatePpm: p.integer(),
    netAmount: p.bigint('number'),
    taxAmount: p.bigint('number'),
  },
  checks: [
    { name: 'invoice_line_line_no_check', expression: 'line_no >= 1' },
    { name: 'invoice_line_net_amount_check', expression: 'net_amount >= 0' },
    { name: 'invoice_line_quantity_milli_check', expression: 'quantity_milli > 0' },
    { name: 'invoice_line_tax_amount_check', expression: 'tax_amount >= 0' },
    { name: 'invoice_line_tax_rate_ppm_check', expression: '(tax_rate_ppm >= 0) AND (tax_rate_ppm <= 1000000)' },
    { name: 'invoice_line_unit_price_check', expression: 'unit_price >= 0' },
  ],
});
