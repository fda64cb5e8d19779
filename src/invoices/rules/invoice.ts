// Invoice arithmetic, exact in minor units. Quantities are integer thousandths (up to 3 decimals in the API), tax
// rates integer parts per million (a percentage with up to 4 decimals: "19", "7.7", "8.875"); every product is computed
// in BigInt and rounded half-even once per line, so totals are sums of integers and never drift.
import { allocate, type Money } from '../../shared/money.js';
import type { FieldProblem } from '../../shared/field-problem.js';

export interface InvoiceLineInput {
  description: string;
  /** A number with at most 3 decimals, > 0. */
  quantity: number;
  unitPrice: Money;
  /** Percentage as a decimal string with at most 4 decimals, 0-100 ("19", "8.875"); absent means 0. */
  taxRate?: string;
}

export interface PricedLine {
  lineNo: number;
  description: string;
  quantityMilli: number;
  unitPrice: number;
  taxRatePpm: number;
  net: number;
  tax: number;
}

export interface InvoiceTotals {
  currency: string;
  lines: PricedLine[];
  subtotal: number;
  tax: number;
  total: number;
}

/** a / b rounded half to even, for a >= 0, b > 0 (banker's rounding: 2.5 -> 2, 3.5 -> 4). */
export function divideHalfEven(a: bigint, b: bigint): bigint {
  if (a < 0n || b <= 0n) throw new RangeError('divideHalfEven takes a >= 0 and b > 0');
  const quotient = a / b;
  const twiceRemainder = (a % b) * 2n;
  if (twiceRemainder > b || (twiceRemainder === b && quotient % 2n === 1n)) return quotient + 1n;
  return quotient;
}

/** Integer thousandths of a quantity given with at most 3 decimals; undefined when it has more or is not finite. */
/**
 * How far (in thousandths) a quantity may sit from a whole thousandth and still be that thousandth. A JSON number is a
 * binary float: 1.001 computed by a client may arrive as 1.0010000000000001. The API's schema says "multipleOf 0.001"
 * and its validator judges that with this same tolerance (api/http/validation.ts), so both agree on every quantity.
 */
export const QUANTITY_PRECISION_DIGITS = 3;

export function quantityToMilli(quantity: number): number | undefined {
  if (!Number.isFinite(quantity) || quantity < 0) return undefined;
  const thousandths = quantity / 0.001;
  const milli = Math.round(thousandths);
  if (Math.abs(milli - thousandths) > 10 ** -QUANTITY_PRECISION_DIGITS) return undefined;
  return Number.isSafeInteger(milli) ? milli : undefined;
}

/** Parts per million of a percentage string ("19" -> 190000, "8.875" -> 88750); undefined when malformed or > 100. */
export function taxRateToPpm(rate: string): number | undefined {
  const match = /^(\d{1,3})(?:\.(\d{1,4}))?$/.exec(rate);
  if (!match) return undefined;
  const ppm = Number(match[1]) * 10_000 + Number((match[2] ?? '').padEnd(4, '0'));
  return ppm <= 1_000_000 ? ppm : undefined;
}

export function ppmToTaxRate(ppm: number): string {
  const whole = Math.floor(ppm / 10_000);
  const fraction = String(ppm % 10_000)
    .padStart(4, '0')
    .replace(/0+$/, '');
  return fraction ? `${whole}.${fraction}` : String(whole);
}

export function milliToQuantity(milli: number): number {
  return milli / 1000;
}

/** Net of one line: quantity x unit price, rounded half-even to minor units. */
export function lineNet(quantityMilli: number, unitPrice: number): number {
  return Number(divideHalfEven(BigInt(quantityMilli) * BigInt(unitPrice), 1000n));
}

/** Tax of one line: net x rate, rounded half-even to minor units (rounding per line, as most tax authorities allow). */
export function lineTax(net: number, taxRatePpm: number): number {
  return Number(divideHalfEven(BigInt(net) * BigInt(taxRatePpm), 1_000_000n));
}

/** Every problem with the lines (JSON pointers relative to the body), given the customer's currency. */
export function invoiceLineProblems(lines: readonly InvoiceLineInput[], customerCurrency: string): FieldProblem[] {
  const problems: FieldProblem[] = [];
  if (lines.length === 0) problems.push({ pointer: '/lines', detail: 'needs at least one line' });
  lines.forEach((line, n) => {
    const milli = quantityToMilli(line.quantity);
    if (milli === undefined || milli <= 0)
      problems.push({ pointer: `/lines/${n}/quantity`, detail: 'must be greater than 0 with at most 3 decimals' });
    if (!Number.isSafeInteger(line.unitPrice.amount) || line.unitPrice.amount < 0) {
      problems.push({
        pointer: `/lines/${n}/unitPrice/amount`,
        detail: 'must be a non-negative integer of minor units',
      });
    }
    if (line.unitPrice.currency !== customerCurrency) {
      problems.push({
        pointer: `/lines/${n}/unitPrice/currency`,
        detail: `must be the customer's currency ${customerCurrency}`,
      });
    }
    if (line.taxRate !== undefined && taxRateToPpm(line.taxRate) === undefined) {
      problems.push({
        pointer: `/lines/${n}/taxRate`,
        detail: 'must be a percentage from 0 to 100 with at most 4 decimals, e.g. "19" or "8.875"',
      });
    }
  });
  return problems;
}

/** Prices valid lines (check `invoiceLineProblems` first). The total must be positive and within safe integers. */
export function priceInvoice(lines: readonly InvoiceLineInput[], currency: string): InvoiceTotals {
  const priced = lines.map((line, n): PricedLine => {
    const quantityMilli = quantityToMilli(line.quantity);
    const taxRatePpm = line.taxRate === undefined ? 0 : taxRateToPpm(line.taxRate);
    if (quantityMilli === undefined || taxRatePpm === undefined) throw new RangeError(`line ${n} is not valid`);
    const net = lineNet(quantityMilli, line.unitPrice.amount);
    return {
      lineNo: n + 1,
      description: line.description,
      quantityMilli,
      unitPrice: line.unitPrice.amount,
      taxRatePpm,
      net,
      tax: lineTax(net, taxRatePpm),
    };
  });
  const subtotal = priced.reduce((a, l) => a + l.net, 0);
  const tax = priced.reduce((a, l) => a + l.tax, 0);
  const total = subtotal + tax;
  if (!Number.isSafeInteger(total)) throw new RangeError('invoice total exceeds the largest exact amount');
  return { currency, lines: priced, subtotal, tax, total };
}

/**
 * How a credit of `amount` (of the open amount) splits into revenue and tax: in proportion to the invoice's net and
 * tax (largest remainder, so the two parts sum to the amount exactly). A credit of the whole total gives back exactly
 * the invoice's net and tax.
 */
export function creditSplit(
  invoice: { subtotal: number; tax: number; currency: string },
  amount: number,
): { net: number; tax: number } {
  if (invoice.tax === 0) return { net: amount, tax: 0 };
  if (invoice.subtotal === 0) return { net: 0, tax: amount };
  const [net, tax] = allocate({ amount, currency: invoice.currency }, [invoice.subtotal, invoice.tax]);
  return { net: net!.amount, tax: tax!.amount };
}

/** Invoice number of a series: `INV-2026-000123`. Six digits minimum; more when a series outgrows them. */
export function formatDocumentNumber(series: string, sequence: number): string {
  return `${series}-${String(sequence).padStart(6, '0')}`;
}

/** The series a document belongs to: prefix and issue year (`INV-2026`, `CN-2026`); numbering restarts each year. */
export function seriesFor(prefix: 'INV' | 'CN', issueDate: string): string {
  return `${prefix}-${issueDate.slice(0, 4)}`;
}
