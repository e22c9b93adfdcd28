// Integer-cent arithmetic for invoice amounts. Rounding is half away from zero so that a credit
// note (negative amounts) mirrors its invoice to the cent.

/** numerator / denominator rounded half away from zero; both are integers, denominator > 0. */
function divideRounded(numerator: number, denominator: number): number {
  const magnitude = Math.floor((Math.abs(numerator) + denominator / 2) / denominator);
  return numerator < 0 && magnitude !== 0 ? -magnitude : magnitude;
}

/** VAT in cents on a net amount in cents, e.g. vatOf(1995, 20) === 399. Rate in percent ("20.00" or 20). */
export function vatOf(netCents: number, ratePercent: number | string): number {
  const rateHundredths = Math.round(Number(ratePercent) * 100);
  return divideRounded(netCents * rateHundredths, 10_000);
}

/** Net of one invoice line: quantity (in thousandths, as DECIMAL(12,3) stores it) times unit price. */
export function lineNetOf(quantityMilli: number, unitPriceCents: number): number {
  return divideRounded(quantityMilli * unitPriceCents, 1000);
}

/** "1.000" for 1000 thousandths: the DECIMAL(12,3) text form. */
export function quantityText(quantityMilli: number): string {
  return (quantityMilli / 1000).toFixed(3);
}

export interface LineAmount {
  quantityMilli: number;
  unitPriceCents: number;
  /** Percent with two decimals, e.g. "20.00". */
  vatRate: string;
  /** EN 16931 category (VatCategory); lines issued before categories are STANDARD. */
  vatCategory?: string;
  /** Why an exempt line is exempt; printed and carried in the e-invoice. */
  vatExemptionReason?: string | null;
}

/** Net and VAT of one category and rate, as issued (the EN 16931 VAT breakdown, BG-23). */
export interface VatBreakdownPart {
  rate: string;
  net: number;
  vat: number;
  /** Absent on invoices issued before VAT categories: STANDARD. */
  category?: string;
  exemptionReason?: string | null;
}

export interface InvoiceTotals {
  lineNets: number[];
  net: number;
  vat: number;
  gross: number;
  /** One entry per VAT category and rate, highest rate first. */
  breakdown: VatBreakdownPart[];
}

/**
 * Totals as printed: each line's net is rounded to the cent; VAT is computed once per category
 * and rate on the sum of its lines' nets (not per line, as EN 16931 BR-CO-17 has it), rounded
 * half away from zero; gross = net + VAT.
 */
export function totalsOf(lines: LineAmount[]): InvoiceTotals {
  const lineNets = lines.map((l) => lineNetOf(l.quantityMilli, l.unitPriceCents));
  const groups = new Map<string, VatBreakdownPart>();
  lines.forEach((l, i) => {
    const category = l.vatCategory ?? "STANDARD";
    const key = `${category}|${l.vatRate}`;
    const group = groups.get(key) ?? { rate: l.vatRate, net: 0, vat: 0, category, exemptionReason: l.vatExemptionReason ?? null };
    group.net += lineNets[i];
    groups.set(key, group);
  });
  const breakdown = [...groups.values()]
    .sort((a, b) => Number(b.rate) - Number(a.rate) || a.category!.localeCompare(b.category!))
    .map((part) => ({ ...part, vat: vatOf(part.net, part.rate) }));
  const net = breakdown.reduce((sum, b) => sum + b.net, 0);
  const vat = breakdown.reduce((sum, b) => sum + b.vat, 0);
  return { lineNets, net, vat, gross: net + vat, breakdown };
}
