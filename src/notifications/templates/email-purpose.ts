import { Locale } from "./template";

/**
 * Which address a confirmation is about: the string values of EmailVerificationPurpose, declared
 * here so that templates import nothing from the domain folders.
 */
export type EmailPurpose = "CUSTOMER_EMAIL" | "CONTACT_EMAIL" | "ONLINE_INVOICE_EMAIL" | "NEWSLETTER_EMAIL" | "LOGIN_EMAIL";

const PURPOSE_PHRASES: { [P in EmailPurpose]: { [L in Locale]: string } } = {
  CUSTOMER_EMAIL: { de: "die E-Mail-Adresse Ihres Kundenkontos", en: "the email address of your customer account" },
  CONTACT_EMAIL: { de: "Ihre E-Mail-Adresse als Ansprechpartner", en: "your email address as a contact" },
  ONLINE_INVOICE_EMAIL: { de: "die Adresse für Online-Rechnungen", en: "the address for online invoices" },
  NEWSLETTER_EMAIL: { de: "die Adresse für den Newsletter", en: "the address for the newsletter" },
  LOGIN_EMAIL: { de: "Ihre Login-Adresse", en: "your login address" },
};

/** The address a purpose stands for, as a phrase in the middle of a sentence ("Please confirm …"). */
export const purposePhrase = (purpose: EmailPurpose, locale: Locale): string => PURPOSE_PHRASES[purpose][locale];
