// Check-digit arithmetic for the identifiers in the demo data. Real validators (banks, VIES) reject
// numbers with wrong check digits, so demo IBANs and VAT ids are made to pass them.

import { Random } from "./random";

/** Remainder of a long decimal string modulo 97, computed in chunks to stay within safe integers. */
function mod97(digits: string): number {
  let remainder = 0;
  for (let i = 0; i < digits.length; i += 7) {
    remainder = Number(String(remainder) + digits.slice(i, i + 7)) % 97;
  }
  return remainder;
}

/** Letters become 10..35 as ISO 13616 requires. */
function ibanDigits(text: string): string {
  return text.replace(/[A-Z]/g, (letter) => String(letter.charCodeAt(0) - 55));
}

/** Builds an IBAN from country and BBAN with ISO 7064 mod-97-10 check digits. */
export function makeIban(countryCode: string, bban: string): string {
  const check = 98 - mod97(ibanDigits(bban + countryCode + "00"));
  return countryCode + String(check).padStart(2, "0") + bban;
}

export function isValidIban(iban: string): boolean {
  const compact = iban.replace(/\s+/g, "").toUpperCase();
  if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(compact)) return false;
  return mod97(ibanDigits(compact.slice(4) + compact.slice(0, 4))) === 1;
}

/** Austrian UID: "ATU" + 7 digits + a check digit (BMF algorithm). */
export function austrianVatId(rng: Random): string {
  const body = String(rng.int(1, 9)) + rng.digits(6);
  let sum = 0;
  for (let i = 0; i < 7; i++) {
    const digit = Number(body[i]);
    if (i % 2 === 0) sum += digit;
    else sum += Math.floor((digit * 2) / 10) + ((digit * 2) % 10);
  }
  return `ATU${body}${(10 - ((sum + 4) % 10)) % 10}`;
}

/** German USt-IdNr: "DE" + 8 digits + an ISO 7064 MOD 11,10 check digit. */
export function germanVatId(rng: Random): string {
  const body = String(rng.int(1, 9)) + rng.digits(7);
  let product = 10;
  for (const char of body) {
    let sum = (Number(char) + product) % 10;
    if (sum === 0) sum = 10;
    product = (2 * sum) % 11;
  }
  const check = 11 - product;
  return `DE${body}${check === 10 ? 0 : check}`;
}
