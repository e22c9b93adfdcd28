import { CountryCode, parsePhoneNumberWithError } from "libphonenumber-js";

/**
 * A phone number in E.164 (+4315551234), or null when it is not a valid number. Numbers without
 * a country prefix are read in the given country (the customer's).
 */
export function toE164(input: string, defaultCountry: string): string | null {
  try {
    const phone = parsePhoneNumberWithError(input, defaultCountry.toUpperCase() as CountryCode);
    return phone.isValid() ? phone.number : null;
  } catch {
    return null;
  }
}
