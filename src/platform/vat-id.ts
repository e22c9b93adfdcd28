import { checkVAT, countries } from "jsvat";

/** The 27 member states (ISO codes). A VAT id of one of them is checked by its country's format and check digit. */
export const EU_COUNTRIES: ReadonlySet<string> = new Set([
  "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE", "IT",
  "LT", "LU", "LV", "MT", "NL", "PL", "PT", "RO", "SE", "SI", "SK",
]); // prettier-ignore

/** "de 136.695.976" → "DE136695976": how a VAT id is stored and printed. */
export function normalizeVatId(raw: string): string {
  return raw.replace(/[\s.\-/]/g, "").toUpperCase();
}

/** The country a VAT id was issued by (its prefix; Greece's is EL), or null if jsvat does not know it. */
export function vatIdCountry(vatId: string): string | null {
  const result = checkVAT(normalizeVatId(vatId), countries);
  return result.isValid ? (result.country?.isoCode.short ?? null) : null;
}

/**
 * Why a (normalized) VAT id is not acceptable, or null if it is: the format and check digit of
 * its country (jsvat, which knows every EU member state and a few neighbours such as CH and GB).
 */
export function vatIdProblem(vatId: string): string | null {
  if (!/^[A-Z]{2}[A-Z0-9]{2,13}$/.test(vatId)) return "must start with a country prefix such as ATU or DE, followed by the number";
  const result = checkVAT(vatId, countries);
  if (!result.country) return `has no known country prefix (${vatId.slice(0, 2)})`;
  if (!result.isValidFormat) return `does not have the format of a VAT id of ${result.country.isoCode.short}`;
  if (!result.isValid) return `fails the check digit of a VAT id of ${result.country.isoCode.short}`;
  return null;
}
