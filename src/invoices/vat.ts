import { EU_COUNTRIES } from "../platform/vat-id";

/** The VAT categories of EN 16931 that Konto bills with (BT-151, BT-118). */
export enum VatCategory {
  /** Taxed at a rate above zero (S). */
  STANDARD = "STANDARD",
  /** The buyer owes the VAT (AE): a business customer with a VAT id in another EU country. */
  REVERSE_CHARGE = "REVERSE_CHARGE",
  /** Exempt from VAT (E), with the reason printed. */
  EXEMPT = "EXEMPT",
  /** Not subject to VAT (O): no supply, e.g. a dunning fee (damages). Alone on its invoice. */
  NOT_SUBJECT = "NOT_SUBJECT",
}

/** UNTDID 5305 codes as EN 16931 uses them. */
export const VAT_CATEGORY_CODE: Record<VatCategory, "S" | "AE" | "E" | "O"> = {
  [VatCategory.STANDARD]: "S",
  [VatCategory.REVERSE_CHARGE]: "AE",
  [VatCategory.EXEMPT]: "E",
  [VatCategory.NOT_SUBJECT]: "O",
};

/** The legal note of a reverse-charge invoice (§ 19 Abs. 1 UStG AT, § 13b UStG DE, Art. 196 of the VAT directive). */
export const REVERSE_CHARGE_NOTE = "Steuerschuldnerschaft des Leistungsempfängers / Reverse charge";
/** VATEX code of the reverse charge (BT-121). */
export const REVERSE_CHARGE_CODE = "VATEX-EU-AE";

/**
 * Standard rates of the member states in percent (as of 2026). Hosting and telecom services to
 * consumers in another member state are taxed at the consumer's rate (OSS); the caller may give
 * a rate where a reduced one applies.
 */
export const STANDARD_RATES: Readonly<Record<string, string>> = {
  AT: "20.00", BE: "21.00", BG: "20.00", CY: "19.00", CZ: "21.00", DE: "19.00", DK: "25.00", EE: "24.00", ES: "21.00",
  FI: "25.50", FR: "20.00", GR: "24.00", HR: "25.00", HU: "27.00", IE: "23.00", IT: "22.00", LT: "21.00", LU: "17.00",
  LV: "21.00", MT: "18.00", NL: "21.00", PL: "23.00", PT: "23.00", RO: "21.00", SE: "25.00", SI: "22.00", SK: "23.00",
}; // prettier-ignore

export interface Buyer {
  kind: "BUSINESS" | "PRIVATE";
  /** Where the customer is established: its main address, not the billing address. */
  countryCode: string;
  vatId: string | null;
}

export interface VatTreatment {
  category: VatCategory;
  /** Percent with two decimals. */
  rate: string;
}

/**
 * What Konto proposes for a customer, from the seller's and the buyer's country and VAT id:
 * a business with a VAT id in another member state gets the reverse charge; a consumer (or a
 * business without VAT id) in another member state pays that state's standard rate (OSS for
 * telecom and electronic services); everyone else the seller's standard rate.
 */
export function proposeVat(sellerCountry: string, buyer: Buyer): VatTreatment {
  const otherMemberState = buyer.countryCode !== sellerCountry && EU_COUNTRIES.has(buyer.countryCode);
  if (otherMemberState && buyer.kind === "BUSINESS" && buyer.vatId) return { category: VatCategory.REVERSE_CHARGE, rate: "0.00" };
  const rate = (otherMemberState ? STANDARD_RATES[buyer.countryCode] : undefined) ?? STANDARD_RATES[sellerCountry] ?? "20.00";
  return { category: VatCategory.STANDARD, rate };
}

/** Why a rate does not fit its category (EN 16931 BR-S-05, BR-AE-05, BR-E-05, BR-O-05), or null. */
export function rateProblem(category: VatCategory, rate: number): string | null {
  if (category === VatCategory.STANDARD) return rate > 0 ? null : "A standard-rated line needs a rate above 0";
  return rate === 0 ? null : "Reverse-charge, exempt and non-taxable lines have a VAT rate of 0";
}

/** Categories that carry a reason (BT-120) the caller gives. */
export const needsReason = (category: VatCategory) => category === VatCategory.EXEMPT || category === VatCategory.NOT_SUBJECT;

/** The legal note printed with a VAT breakdown: the reverse-charge note, or the exemption reason. */
export function vatNote(part: { category?: string; exemptionReason?: string | null }): string | null {
  if (part.category === VatCategory.REVERSE_CHARGE) return REVERSE_CHARGE_NOTE;
  if (part.category === VatCategory.EXEMPT || part.category === VatCategory.NOT_SUBJECT) return part.exemptionReason ?? null;
  return null;
}
