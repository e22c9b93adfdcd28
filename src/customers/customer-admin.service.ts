import { randomInt, timingSafeEqual } from "node:crypto";
import { electronicFormatIBAN, isValidBIC, isValidIBAN } from "ibantools";
import { Transaction } from "../platform/transactions";
import { CustomerRule, forbidden } from "../access/access";
import { Context } from "../platform/context";
import { idOfType } from "../platform/global-id";
import { toE164 } from "../platform/phone";
import { nextInSeries } from "../platform/sequences";
import { refuse, refuseAny, UserError, userError, UserErrorCode } from "../platform/user-error";
import { normalizeVatId, vatIdProblem } from "../platform/vat-id";
import { AuditedCustomer, mutate, mutateUntargeted, Outcome, UnitOfWork } from "../unit-of-work/unit-of-work";
import { EmailChangeService } from "../verifications/email-change.service";
import { EmailVerificationPurpose } from "../verifications/email-verification.enums";
import { CustomerKind, InvoiceFormat, PaymentMethod, SepaScheme } from "./customer.enums";
import { CustomerService, maskIban } from "./customer.service";
import {
  BillingAddressInput,
  CustomerCreateInput,
  CustomerNode,
  InvoiceSettingsInput,
  PaymentMethodInput,
  SepaInput,
} from "./customer.types";

const FIRST_CUSTOMER_NUMBER = 1000001;
/** Longer than any customer number or PIN: refused before the limiter sees it as a key. */
const PIN_CHECK_MAX_LENGTH = 20;

type CustomerOutcome = Outcome<{ customer?: CustomerNode }>;

/** A fresh 6-digit PIN from the CSPRNG. */
export const newPin = (): string => String(randomInt(0, 1_000_000)).padStart(6, "0");

/** The payload of a mutation on a customer: the customer as committed. */
const customerAsCommitted =
  (ctx: Context) =>
  async (_: unknown, { customer }: { customer: CustomerNode }) => ({
    customer: (await CustomerService.byId(ctx, customer.dbId)) ?? undefined,
  });

/** A new customer's phone and mobile in E.164 (in the country of its address), with the problems of those that are not numbers. */
function phonesOf(input: CustomerCreateInput): { phones: { phone: string | null; mobile: string | null }; problems: UserError[] } {
  const phones = { phone: null as string | null, mobile: null as string | null };
  const problems: UserError[] = [];
  for (const field of ["phone", "mobile"] as const) {
    const value = input[field];
    if (!value) continue;
    phones[field] = toE164(value, input.address.countryCode);
    if (!phones[field]) problems.push(userError(UserErrorCode.INVALID_INPUT, `${value} is not a valid phone number`, ["input", field]));
  }
  return { phones, problems };
}

/** The SEPA account of the input, checked (all problems refused together) and in its stored form. */
function checkedSepa(sepa: SepaInput | undefined, kind: CustomerKind) {
  if (!sepa) refuse(UserErrorCode.INVALID_INPUT, "SEPA direct debit needs the account", ["input", "sepa"]);
  const iban = electronicFormatIBAN(sepa.iban) ?? "";
  const bic = sepa.bic?.trim().toUpperCase() || null;
  const problems: UserError[] = [];
  if (!isValidIBAN(iban)) {
    problems.push(
      userError(UserErrorCode.INVALID_INPUT, "This IBAN is not valid (checksum or length for its country)", ["input", "sepa", "iban"]),
    );
  }
  if (bic && !isValidBIC(bic)) problems.push(userError(UserErrorCode.INVALID_INPUT, "This BIC is not valid", ["input", "sepa", "bic"]));
  if (sepa.scheme === SepaScheme.B2B && kind !== CustomerKind.BUSINESS) {
    problems.push(userError(UserErrorCode.INVALID_INPUT, "The B2B scheme is for business customers", ["input", "sepa", "scheme"]));
  }
  refuseAny(problems);
  return { iban, bic, accountHolder: sepa.accountHolder.trim(), scheme: sepa.scheme };
}

export const CustomerAdminService = {
  /**
   * The reseller a new customer belongs to: resellers create customers under themselves, staff
   * admins under any reseller or none. FORBIDDEN for everyone else.
   */
  resellerOfNewCustomer(ctx: Context, input: CustomerCreateInput): number | null {
    const principal = ctx.principal;
    if (principal.kind === "reseller") {
      if (input.resellerId) throw forbidden("Resellers create customers under themselves; leave resellerId out");
      return principal.resellerId;
    }
    if (principal.kind === "staff" && principal.role === "ADMIN") {
      return input.resellerId ? idOfType(input.resellerId, "Reseller", "resellerId") : null;
    }
    throw forbidden();
  },

  /** Everything wrong with a new customer's own values, for one answer with whatever else is wrong with the request. */
  async newCustomerProblems(tx: Transaction, input: CustomerCreateInput, resellerId: number | null): Promise<UserError[]> {
    const problems: UserError[] = [];
    if (input.kind === CustomerKind.BUSINESS && !input.companyName?.trim()) {
      problems.push(userError(UserErrorCode.INVALID_INPUT, "A business customer needs a company name", ["input", "companyName"]));
    }
    if (input.kind === CustomerKind.PRIVATE && (!input.firstName?.trim() || !input.lastName?.trim())) {
      problems.push(userError(UserErrorCode.INVALID_INPUT, "A private customer needs a first and a last name", ["input", "lastName"]));
    }
    problems.push(...phonesOf(input).problems);
    const vatProblem = input.vatId ? vatIdProblem(normalizeVatId(input.vatId)) : null;
    if (vatProblem) problems.push(userError(UserErrorCode.INVALID_INPUT, `The VAT id ${vatProblem}`, ["input", "vatId"]));
    if (resellerId !== null && !(await tx.query("SELECT id FROM resellers WHERE id = ?", [resellerId])).length) {
      problems.push(userError(UserErrorCode.NOT_FOUND, "No such reseller", ["input", "resellerId"]));
    }
    return problems;
  },

  /**
   * Inserts a new customer (checked by newCustomerProblems) with the next customer number and a
   * fresh PIN, in the caller's unit of work. Its first contact is the contacts module's to add.
   */
  async insert(uow: UnitOfWork, input: CustomerCreateInput, resellerId: number | null): Promise<AuditedCustomer> {
    const { tx } = uow;
    const customerNumber = String(
      await nextInSeries(tx, "customer_number", async () => {
        const [row] = await tx.query("SELECT MAX(CAST(customer_number AS UNSIGNED)) AS max FROM customers");
        return Math.max(Number(row.max ?? 0) + 1, FIRST_CUSTOMER_NUMBER);
      }),
    );
    const { phones } = phonesOf(input);
    const result = await tx.query(
      `INSERT INTO customers (customer_number, reseller_id, kind, company_name, legal_form, salutation, first_name, last_name, vat_id,
         street, postal_code, city, country_code, email, phone, mobile, locale, customer_pin)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      [
        customerNumber,
        resellerId,
        input.kind,
        input.companyName?.trim() || null,
        input.legalForm ?? null,
        input.salutation ?? null,
        input.firstName?.trim() || null,
        input.lastName?.trim() || null,
        input.vatId ? normalizeVatId(input.vatId) : null,
        input.address.street,
        input.address.postalCode,
        input.address.city,
        input.address.countryCode,
        input.email,
        phones.phone,
        phones.mobile,
        input.locale,
        newPin(),
      ],
    );
    const customer = { dbId: Number(result.insertId), resellerId, customerNumber };
    await uow.audit("customer.created", { customerNumber }, customer);
    return customer;
  },

  /** A new PIN, valid at once; the old one is dead at once. The customer's own ADMIN users only. */
  regeneratePin(ctx: Context, customerGid: string): Promise<Outcome<{ pin?: string }>> {
    return mutate(
      ctx,
      { rule: "pin", load: CustomerService.target(ctx, customerGid) },
      {
        stepUp: true,
        write: async (uow, { customer }) => {
          const pin = newPin();
          await uow.tx.query("UPDATE customers SET customer_pin = ? WHERE id = ?", [pin, customer.dbId]);
          await uow.audit("customer.pin.regenerated");
          return { pin };
        },
      },
    );
  },

  /** Staff check a PIN a caller gives on the phone; they never see it. Rate limited per customer. */
  verifyPin(ctx: Context, customerNumber: string, pin: string): Promise<Outcome<{ valid?: boolean }>> {
    if (ctx.principal.kind !== "staff") throw forbidden();
    return mutateUntargeted(ctx, {
      write: async ({ tx }) => {
        const problems: UserError[] = [];
        for (const [field, value] of Object.entries({ customerNumber, pin })) {
          if (value.length > PIN_CHECK_MAX_LENGTH) problems.push(userError(UserErrorCode.INVALID_INPUT, `${field} is too long`, [field]));
        }
        refuseAny(problems);
        // Trimmed: the collation ignores trailing spaces, so "1000001 " must not be a fresh limiter key.
        const number = customerNumber.trim();
        const limit = [`pin:${number}`];
        const release = await ctx.auth.limiter.begin(limit);
        try {
          const [row] = await tx.query("SELECT customer_pin FROM customers WHERE customer_number = ?", [number]);
          const stored = Buffer.from(String(row?.customer_pin ?? "~~~~~~"));
          const given = Buffer.from(pin.padEnd(6, "~").slice(0, 6));
          const valid = stored.length === given.length && timingSafeEqual(stored, given) && !!row?.customer_pin && pin.length === 6;
          if (!valid) await ctx.auth.limiter.recordFailure(limit);
          return { valid };
        } finally {
          await release();
        }
      },
    });
  },

  /**
   * Online invoice: off at once; on only through a confirmed address. It is not retroactive:
   * the switch-on time is kept and invoices issued before it are never sent by it.
   */
  updateOnlineInvoice(ctx: Context, customerGid: string, input: { enabled: boolean; email?: string }): Promise<CustomerOutcome> {
    return setting(ctx, customerGid, "editBilling", {
      on: input.enabled,
      email: input.email,
      purpose: EmailVerificationPurpose.ONLINE_INVOICE_EMAIL,
      offSql: "online_invoice_enabled = 0",
      action: "customer.onlineInvoice",
    });
  },

  /** Newsletter: unsubscribed at once; subscribed once the address is confirmed (the consent time is kept). */
  updateNewsletter(ctx: Context, customerGid: string, input: { subscribed: boolean; email?: string }): Promise<CustomerOutcome> {
    return setting(ctx, customerGid, "editMaster", {
      on: input.subscribed,
      email: input.email,
      purpose: EmailVerificationPurpose.NEWSLETTER_EMAIL,
      offSql: "newsletter_enabled = 0",
      action: "customer.newsletter",
    });
  },

  /** SEPA direct debit (IBAN checked, mandate reference generated with today's date) or bank transfer. */
  updatePaymentMethod(ctx: Context, customerGid: string, input: PaymentMethodInput): Promise<CustomerOutcome> {
    return mutate(
      ctx,
      { rule: "editBilling", load: CustomerService.target(ctx, customerGid) },
      {
        stepUp: true,
        write: async (uow, { customer }) => {
          if (input.method === PaymentMethod.BANK_TRANSFER) {
            await uow.tx.query(
              `UPDATE customers SET payment_method = 'BANK_TRANSFER', sepa_iban = NULL, sepa_bic = NULL, sepa_account_holder = NULL, sepa_scheme = NULL,
                 sepa_mandate_reference = NULL, sepa_mandate_date = NULL, version = version + 1 WHERE id = ?`,
              [customer.dbId],
            );
            await uow.audit("customer.paymentMethod.changed", { method: input.method, iban: null });
            return;
          }
          const sepa = checkedSepa(input.sepa, customer.kind);
          const n = await nextInSeries(uow.tx, `mandate:${customer.customerNumber}`, async () => {
            // The series' first use continues after the customer's current reference (imported or seeded mandates):
            // a new mandate never reuses the reference of an earlier one.
            const [row] = await uow.tx.query("SELECT sepa_mandate_reference FROM customers WHERE id = ?", [customer.dbId]);
            const suffix = /-(\d+)$/.exec(row?.sepa_mandate_reference ?? "");
            return suffix ? Number(suffix[1]) + 1 : 1;
          });
          await uow.tx.query(
            `UPDATE customers SET payment_method = 'SEPA_DIRECT_DEBIT', sepa_iban = ?, sepa_bic = ?, sepa_account_holder = ?, sepa_scheme = ?,
               sepa_mandate_reference = ?, sepa_mandate_date = ?, version = version + 1 WHERE id = ?`,
            [
              sepa.iban,
              sepa.bic,
              sepa.accountHolder,
              sepa.scheme,
              `KONTO-${customer.customerNumber}-${String(n).padStart(2, "0")}`,
              new Date().toISOString().slice(0, 10),
              customer.dbId,
            ],
          );
          await uow.audit("customer.paymentMethod.changed", { method: input.method, iban: maskIban(sepa.iban) });
        },
        reply: customerAsCommitted(ctx),
      },
    );
  },

  /** A separate billing address, or none (null): invoices go to the main address then. */
  updateBillingAddress(ctx: Context, customerGid: string, input: BillingAddressInput | null): Promise<CustomerOutcome> {
    return mutate(
      ctx,
      { rule: "editBilling", load: CustomerService.target(ctx, customerGid) },
      {
        write: async (uow, { customer }) => {
          await uow.tx.query(
            "UPDATE customers SET billing_name = ?, billing_street = ?, billing_postal_code = ?, billing_city = ?, billing_country_code = ?, version = version + 1 WHERE id = ?",
            [
              input?.name ?? null,
              input?.street ?? null,
              input?.postalCode ?? null,
              input?.city ?? null,
              input?.countryCode ?? null,
              customer.dbId,
            ],
          );
          await uow.audit("customer.billingAddress.changed", { billingAddress: input ? { ...input } : null });
        },
        reply: customerAsCommitted(ctx),
      },
    );
  },

  /**
   * The invoice format and buyer reference (the Leitweg-ID of German public customers, which
   * XRechnung requires). Applies to invoices issued from now on: each invoice keeps its own.
   */
  updateInvoiceSettings(ctx: Context, customerGid: string, input: InvoiceSettingsInput): Promise<CustomerOutcome> {
    return mutate(
      ctx,
      { rule: "editInvoiceSettings", load: CustomerService.target(ctx, customerGid) },
      {
        write: async (uow, { customer }) => {
          const buyerReference = input.buyerReference?.trim() || null;
          if (input.format === InvoiceFormat.XRECHNUNG && !buyerReference) {
            refuse(UserErrorCode.INVALID_INPUT, "XRechnung needs a buyer reference (for public customers their Leitweg-ID)", [
              "input",
              "buyerReference",
            ]);
          }
          await uow.tx.query("UPDATE customers SET invoice_format = ?, buyer_reference = ?, version = version + 1 WHERE id = ?", [
            input.format,
            buyerReference,
            customer.dbId,
          ]);
          await uow.audit("customer.invoiceSettings.changed", { format: input.format, buyerReference });
        },
        reply: customerAsCommitted(ctx),
      },
    );
  },

  /** A new main email: a pending change; the current address stays in use until it is confirmed. */
  requestEmailChange(ctx: Context, customerGid: string, email: string): Promise<CustomerOutcome> {
    return mutate(
      ctx,
      { rule: "editMaster", load: CustomerService.target(ctx, customerGid) },
      {
        stepUp: true,
        write: async (uow, { customer }) => {
          if (email.trim().toLowerCase() === customer.email.toLowerCase()) {
            refuse(UserErrorCode.INVALID_INPUT, "This is the current address already", ["email"]);
          }
          await EmailChangeService.request(uow, ctx, {
            purpose: EmailVerificationPurpose.CUSTOMER_EMAIL,
            targetId: customer.dbId,
            customerId: customer.dbId,
            newEmail: email,
          });
        },
        reply: customerAsCommitted(ctx),
      },
    );
  },
};

/** A setting with an address: switching off is immediate; switching on waits for the confirmation link. */
function setting(
  ctx: Context,
  customerGid: string,
  rule: CustomerRule,
  change: { on: boolean; email?: string; purpose: EmailVerificationPurpose; offSql: string; action: string },
): Promise<CustomerOutcome> {
  return mutate(
    ctx,
    { rule, load: CustomerService.target(ctx, customerGid) },
    {
      // A new address for invoices or the newsletter is an email change (step-up); switching off is not.
      stepUp: change.on && !!change.email,
      write: async (uow, { customer }) => {
        if (!change.on) {
          await uow.tx.query(`UPDATE customers SET ${change.offSql} WHERE id = ?`, [customer.dbId]);
          // An address still waiting for confirmation would switch it on again.
          await EmailChangeService.cancelPending(uow, change.purpose, customer.dbId);
          await uow.audit(`${change.action}.off`);
          return;
        }
        if (!change.email) refuse(UserErrorCode.INVALID_INPUT, "Give the address to use", ["input", "email"]);
        await EmailChangeService.request(uow, ctx, {
          purpose: change.purpose,
          targetId: customer.dbId,
          customerId: customer.dbId,
          newEmail: change.email,
        });
      },
      reply: customerAsCommitted(ctx),
    },
  );
}
