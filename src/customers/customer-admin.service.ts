import { legacyUnitOfWork } from "../unit-of-work/unit-of-work";
import { randomInt, timingSafeEqual } from "node:crypto";
import { assertMay, CustomerRule, forbidden } from "../access/access";
import { AuditService } from "../audit/audit.service";
import { Context } from "../platform/context";
import { inTransaction } from "../platform/db";
import { idOfType } from "../platform/global-id";
import { toE164 } from "../platform/phone";
import { nextInSeries } from "../platform/sequences";
import { UserError, userError, UserErrorCode } from "../platform/user-error";
import { EmailChangeService } from "../verifications/email-change.service";
import { EmailVerificationPurpose } from "../verifications/email-verification.enums";
import { electronicFormatIBAN, isValidBIC, isValidIBAN } from "ibantools";
import { CustomerKind, PaymentMethod, SepaScheme } from "./customer.enums";
import { customerById, CustomerService, maskIban } from "./customer.service";
import { BillingAddressInput, CustomerCreateInput, CustomerNode, PaymentMethodInput } from "./customer.types";

const FIRST_CUSTOMER_NUMBER = 1000001;

/** A fresh 6-digit PIN from the CSPRNG. */
export const newPin = (): string => String(randomInt(0, 1_000_000)).padStart(6, "0");

export const CustomerAdminService = {
  /** Resellers create customers under themselves; staff admins under any reseller or none. */
  async create(ctx: Context, input: CustomerCreateInput): Promise<{ customer?: CustomerNode; userErrors: UserError[] }> {
    const principal = ctx.principal;
    let resellerId: number | null;
    if (principal.kind === "reseller") {
      if (input.resellerId) throw forbidden("Resellers create customers under themselves; leave resellerId out");
      resellerId = principal.resellerId;
    } else if (principal.kind === "staff" && principal.role === "ADMIN") {
      resellerId = input.resellerId ? idOfType(input.resellerId, "Reseller", "resellerId") : null;
    } else {
      throw forbidden();
    }
    const errors: UserError[] = [];
    if (input.kind === CustomerKind.BUSINESS && !input.companyName?.trim()) {
      errors.push(userError(UserErrorCode.INVALID_INPUT, "A business customer needs a company name", ["input", "companyName"]));
    }
    if (input.kind === CustomerKind.PRIVATE && (!input.firstName?.trim() || !input.lastName?.trim())) {
      errors.push(userError(UserErrorCode.INVALID_INPUT, "A private customer needs a first and a last name", ["input", "lastName"]));
    }
    const country = input.address.countryCode;
    const phones: Record<string, string | null> = {};
    for (const [field, value] of [
      ["phone", input.phone],
      ["mobile", input.mobile],
    ] as const) {
      if (!value) continue;
      phones[field] = toE164(value, country);
      if (!phones[field]) errors.push(userError(UserErrorCode.INVALID_INPUT, `${value} is not a valid phone number`, ["input", field]));
    }
    const contactPhone = input.contact.phone ? toE164(input.contact.phone, country) : null;
    if (input.contact.phone && !contactPhone) {
      errors.push(
        userError(UserErrorCode.INVALID_INPUT, `${input.contact.phone} is not a valid phone number`, ["input", "contact", "phone"]),
      );
    }
    if (resellerId !== null && !(await ctx.db.query("SELECT id FROM resellers WHERE id = ?", [resellerId])).length) {
      errors.push(userError(UserErrorCode.NOT_FOUND, "No such reseller", ["input", "resellerId"]));
    }
    if (errors.length) return { userErrors: errors };

    const customerId = await inTransaction(ctx.db, async (tx) => {
      const number = String(
        await nextInSeries(tx, "customer_number", async () => {
          const [row] = await tx.query("SELECT MAX(CAST(customer_number AS UNSIGNED)) AS max FROM customers");
          return Math.max(Number(row.max ?? 0) + 1, FIRST_CUSTOMER_NUMBER);
        }),
      );
      const result = await tx.query(
        `INSERT INTO customers (customer_number, reseller_id, kind, company_name, legal_form, salutation, first_name, last_name, vat_id,
           street, postal_code, city, country_code, email, phone, mobile, locale, customer_pin)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          number,
          resellerId,
          input.kind,
          input.companyName?.trim() || null,
          input.legalForm ?? null,
          input.salutation ?? null,
          input.firstName?.trim() || null,
          input.lastName?.trim() || null,
          input.vatId ?? null,
          input.address.street,
          input.address.postalCode,
          input.address.city,
          country,
          input.email,
          phones.phone ?? null,
          phones.mobile ?? null,
          input.locale,
          newPin(),
        ],
      );
      await tx.query(
        "INSERT INTO contacts (customer_id, types, salutation, first_name, last_name, email, phone) VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
          result.insertId,
          // The contacts module's STANDARD type (a customer always has one); named here, as the
          // contacts module sits above customers.
          "STANDARD",
          input.contact.salutation ?? null,
          input.contact.firstName,
          input.contact.lastName,
          input.contact.email,
          contactPhone,
        ],
      );
      await AuditService.record(tx, principal, {
        customerId: result.insertId,
        customerNumber: number,
        action: "customer.created",
        details: { customerNumber: number },
      });
      return Number(result.insertId);
    });
    return { customer: (await CustomerService.byId(ctx, customerId))!, userErrors: [] };
  },

  /** A new PIN, valid at once; the old one is dead at once. The customer's own ADMIN users only. */
  async regeneratePin(ctx: Context, customerGid: string): Promise<string> {
    const customer = await CustomerService.byId(ctx, idOfType(customerGid, "Customer", "customerId"));
    assertMay(ctx, "pin", customer);
    const pin = newPin();
    await inTransaction(ctx.db, async (tx) => {
      await tx.query("UPDATE customers SET customer_pin = ? WHERE id = ?", [pin, customer!.dbId]);
      await AuditService.record(tx, ctx.principal, {
        customerId: customer!.dbId,
        customerNumber: customer!.customerNumber,
        action: "customer.pin.regenerated",
      });
    });
    return pin;
  },

  /** Staff check a PIN a caller gives on the phone; they never see it. Rate limited per customer. */
  async verifyPin(ctx: Context, customerNumber: string, pin: string): Promise<boolean> {
    if (ctx.principal.kind !== "staff") throw forbidden();
    // Trimmed: the collation ignores trailing spaces, so "1000001 " must not be a fresh limiter key.
    const number = customerNumber.trim();
    const limit = [`pin:${number}`];
    const release = await ctx.auth.limiter.begin(limit);
    try {
      const [row] = await ctx.db.query("SELECT customer_pin FROM customers WHERE customer_number = ?", [number]);
      const stored = Buffer.from(String(row?.customer_pin ?? "~~~~~~"));
      const given = Buffer.from(pin.padEnd(6, "~").slice(0, 6));
      const ok = stored.length === given.length && timingSafeEqual(stored, given) && !!row?.customer_pin && pin.length === 6;
      if (!ok) await ctx.auth.limiter.recordFailure(limit);
      return ok;
    } finally {
      await release();
    }
  },

  /**
   * Online invoice: off at once; on only through a confirmed address. It is not retroactive:
   * the switch-on time is kept and invoices issued before it are never sent by it.
   */
  async updateOnlineInvoice(ctx: Context, customerGid: string, input: { enabled: boolean; email?: string }) {
    return setting(ctx, customerGid, "editBilling", {
      on: input.enabled,
      email: input.email,
      purpose: EmailVerificationPurpose.ONLINE_INVOICE_EMAIL,
      offSql: "online_invoice_enabled = 0",
      action: "customer.onlineInvoice",
    });
  },

  /** Newsletter: unsubscribed at once; subscribed once the address is confirmed (the consent time is kept). */
  async updateNewsletter(ctx: Context, customerGid: string, input: { subscribed: boolean; email?: string }) {
    return setting(ctx, customerGid, "editMaster", {
      on: input.subscribed,
      email: input.email,
      purpose: EmailVerificationPurpose.NEWSLETTER_EMAIL,
      offSql: "newsletter_enabled = 0",
      action: "customer.newsletter",
    });
  },

  /** SEPA direct debit (IBAN checked, mandate reference generated with today's date) or bank transfer. */
  async updatePaymentMethod(
    ctx: Context,
    customerGid: string,
    input: PaymentMethodInput,
  ): Promise<{ customer?: CustomerNode; userErrors: UserError[] }> {
    const customer = await CustomerService.byId(ctx, idOfType(customerGid, "Customer", "customerId"));
    assertMay(ctx, "editBilling", customer);
    const sepa = input.sepa;
    let iban: string | null = null;
    if (input.method === PaymentMethod.SEPA_DIRECT_DEBIT) {
      if (!sepa) return { userErrors: [userError(UserErrorCode.INVALID_INPUT, "SEPA direct debit needs the account", ["input", "sepa"])] };
      iban = electronicFormatIBAN(sepa.iban) ?? "";
      if (!isValidIBAN(iban))
        return {
          userErrors: [
            userError(UserErrorCode.INVALID_INPUT, "This IBAN is not valid (checksum or length for its country)", [
              "input",
              "sepa",
              "iban",
            ]),
          ],
        };
      if (sepa.bic && !isValidBIC(sepa.bic.trim().toUpperCase()))
        return { userErrors: [userError(UserErrorCode.INVALID_INPUT, "This BIC is not valid", ["input", "sepa", "bic"])] };
      if (sepa.scheme === SepaScheme.B2B && customer!.kind !== CustomerKind.BUSINESS) {
        return {
          userErrors: [userError(UserErrorCode.INVALID_INPUT, "The B2B scheme is for business customers", ["input", "sepa", "scheme"])],
        };
      }
    }
    await inTransaction(ctx.db, async (tx) => {
      if (iban) {
        const n = await nextInSeries(tx, `mandate:${customer!.customerNumber}`, async () => 1);
        const reference = `KONTO-${customer!.customerNumber}-${String(n).padStart(2, "0")}`;
        await tx.query(
          `UPDATE customers SET payment_method = 'SEPA_DIRECT_DEBIT', sepa_iban = ?, sepa_bic = ?, sepa_account_holder = ?, sepa_scheme = ?,
             sepa_mandate_reference = ?, sepa_mandate_date = ?, version = version + 1 WHERE id = ?`,
          [
            iban,
            sepa!.bic?.trim().toUpperCase() || null,
            sepa!.accountHolder.trim(),
            sepa!.scheme,
            reference,
            new Date().toISOString().slice(0, 10),
            customer!.dbId,
          ],
        );
      } else {
        await tx.query(
          `UPDATE customers SET payment_method = 'BANK_TRANSFER', sepa_iban = NULL, sepa_bic = NULL, sepa_account_holder = NULL, sepa_scheme = NULL,
             sepa_mandate_reference = NULL, sepa_mandate_date = NULL, version = version + 1 WHERE id = ?`,
          [customer!.dbId],
        );
      }
      await AuditService.record(tx, ctx.principal, {
        customerId: customer!.dbId,
        customerNumber: customer!.customerNumber,
        action: "customer.paymentMethod.changed",
        details: { method: input.method, iban: iban ? maskIban(iban) : null },
      });
    });
    ctx.loaders.get(customerById).clear(customer!.dbId);
    return { customer: (await CustomerService.byId(ctx, customer!.dbId))!, userErrors: [] };
  },

  /** A separate billing address, or none (null): invoices go to the main address then. */
  async updateBillingAddress(
    ctx: Context,
    customerGid: string,
    input: BillingAddressInput | null,
  ): Promise<{ customer?: CustomerNode; userErrors: UserError[] }> {
    const customer = await CustomerService.byId(ctx, idOfType(customerGid, "Customer", "customerId"));
    assertMay(ctx, "editBilling", customer);
    await inTransaction(ctx.db, async (tx) => {
      await tx.query(
        "UPDATE customers SET billing_name = ?, billing_street = ?, billing_postal_code = ?, billing_city = ?, billing_country_code = ?, version = version + 1 WHERE id = ?",
        [
          input?.name ?? null,
          input?.street ?? null,
          input?.postalCode ?? null,
          input?.city ?? null,
          input?.countryCode ?? null,
          customer!.dbId,
        ],
      );
      await AuditService.record(tx, ctx.principal, {
        customerId: customer!.dbId,
        customerNumber: customer!.customerNumber,
        action: "customer.billingAddress.changed",
        details: { billingAddress: input ? { ...input } : null },
      });
    });
    ctx.loaders.get(customerById).clear(customer!.dbId);
    return { customer: (await CustomerService.byId(ctx, customer!.dbId))!, userErrors: [] };
  },

  /** A new main email: a pending change; the current address stays in use until it is confirmed. */
  async requestEmailChange(
    ctx: Context,
    customerGid: string,
    email: string,
  ): Promise<{ customer?: CustomerNode; userErrors: UserError[] }> {
    const customer = await CustomerService.byId(ctx, idOfType(customerGid, "Customer", "customerId"));
    assertMay(ctx, "editMaster", customer);
    if (email.trim().toLowerCase() === customer!.email.toLowerCase()) {
      return { userErrors: [userError(UserErrorCode.INVALID_INPUT, "This is the current address already", ["email"])] };
    }
    await ctx.outbox.transaction(ctx.db, (tx, record) =>
      EmailChangeService.request(legacyUnitOfWork(tx, record, ctx.principal), ctx, {
        purpose: EmailVerificationPurpose.CUSTOMER_EMAIL,
        targetId: customer!.dbId,
        customerId: customer!.dbId,
        newEmail: email,
      }),
    );
    return { customer: customer!, userErrors: [] };
  },
};

/** A setting with an address: switching off is immediate; switching on waits for the confirmation link. */
async function setting(
  ctx: Context,
  customerGid: string,
  rule: CustomerRule,
  change: { on: boolean; email?: string; purpose: EmailVerificationPurpose; offSql: string; action: string },
): Promise<{ customer?: CustomerNode; userErrors: UserError[] }> {
  const customer = await CustomerService.byId(ctx, idOfType(customerGid, "Customer", "customerId"));
  assertMay(ctx, rule, customer);
  if (change.on && !change.email)
    return { userErrors: [userError(UserErrorCode.INVALID_INPUT, "Give the address to use", ["input", "email"])] };
  await ctx.outbox.transaction(ctx.db, async (tx, record) => {
    if (!change.on) {
      await tx.query(`UPDATE customers SET ${change.offSql} WHERE id = ?`, [customer!.dbId]);
      await tx.query("UPDATE email_verifications SET status = 'CANCELLED' WHERE purpose = ? AND target_id = ? AND status = 'PENDING'", [
        change.purpose,
        customer!.dbId,
      ]);
      await AuditService.record(tx, ctx.principal, {
        customerId: customer!.dbId,
        customerNumber: customer!.customerNumber,
        action: `${change.action}.off`,
      });
      return;
    }
    await EmailChangeService.request(legacyUnitOfWork(tx, record, ctx.principal), ctx, {
      purpose: change.purpose,
      targetId: customer!.dbId,
      customerId: customer!.dbId,
      newEmail: change.email!,
    });
  });
  ctx.loaders.get(customerById).clear(customer!.dbId);
  return { customer: (await CustomerService.byId(ctx, customer!.dbId))!, userErrors: [] };
}
