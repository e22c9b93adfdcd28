import { EntityManager } from "typeorm";
import { assertMay } from "../access/access";
import { AuditService } from "../audit/audit.service";
import { CustomerService } from "../customers/customer.service";
import { CustomerNode } from "../customers/customer.types";
import { Context } from "../platform/context";
import { idOfType } from "../platform/global-id";
import { toE164 } from "../platform/phone";
import { setColumn } from "../platform/rows";
import { UserError, userError, UserErrorCode } from "../platform/user-error";
import { EmailChangeService } from "../verifications/email-change.service";
import { EmailVerificationPurpose } from "../verifications/email-verification.enums";
import { ContactType } from "./contact.enums";
import { contactById, ContactService } from "./contact.service";
import { ContactInput, ContactNode } from "./contact.types";

type Result = { contact?: ContactNode; userErrors: UserError[] };

const INVOICE_TYPES = [ContactType.STANDARD, ContactType.BILLING];
/** Types that carry authority (and phone-order restrictions): only those who manage contacts set them. */
const AUTHORITY_TYPES = [ContactType.OWNER, ContactType.SIGNATORY];

function touchesAuthority(input: Partial<ContactInput>, before: ContactType[] = []): boolean {
  if (input.restrictions !== undefined) return true;
  if (!input.types) return false;
  return AUTHORITY_TYPES.some((t) => input.types!.includes(t) !== before.includes(t));
}
const ADD_STANDARD_FIRST = "A customer must keep a STANDARD contact: add another STANDARD contact first";

/** Rules on one contact's values; the phone is normalised to E.164 in the customer's country. */
function check(input: Partial<ContactInput>, country: string, errors: UserError[]): { phone?: string | null } {
  if (input.types !== undefined && input.types !== null && input.types.length === 0) {
    errors.push(userError(UserErrorCode.INVALID_INPUT, "A contact has at least one type", ["input", "types"]));
  }
  let phone: string | null | undefined = undefined;
  if (input.phone !== undefined) {
    phone = input.phone ? toE164(input.phone, country) : null;
    if (input.phone && !phone)
      errors.push(userError(UserErrorCode.INVALID_INPUT, `${input.phone} is not a valid phone number`, ["input", "phone"]));
  }
  return { phone };
}

/** Locks every contact of the customer: two changes to one customer's contacts run one after the other. */
async function lockContacts(tx: EntityManager, customerId: number): Promise<{ id: number; types: ContactType[] }[]> {
  const rows = await tx.query("SELECT id, types FROM contacts WHERE customer_id = ? ORDER BY id FOR UPDATE", [customerId]);
  return rows.map((r: { id: number; types: string }) => ({ id: r.id, types: setColumn<ContactType>(r.types) }));
}

export const ContactEditService = {
  async create(ctx: Context, customerGid: string, input: ContactInput): Promise<Result> {
    const customer = await CustomerService.byId(ctx, idOfType(customerGid, "Customer", "customerId"));
    assertMay(ctx, "editContacts", customer);
    if (touchesAuthority(input)) assertMay(ctx, "manageContacts", customer);
    const errors: UserError[] = [];
    const { phone } = check(input, customer!.address.countryCode, errors);
    if (input.receivesInvoices) {
      // A new contact's email is not confirmed yet.
      errors.push(
        userError(UserErrorCode.CANNOT_RECEIVE_INVOICES, "Only STANDARD or BILLING contacts with a confirmed email receive invoices", [
          "input",
          "receivesInvoices",
        ]),
      );
    }
    if (errors.length) return { userErrors: errors };
    const id = await ctx.outbox.transaction(ctx.db, async (tx, record) => {
      const result = await tx.query(
        "INSERT INTO contacts (customer_id, types, salutation, first_name, last_name, email, phone, restrictions) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        [
          customer!.dbId,
          [...new Set(input.types)].join(","),
          input.salutation ?? null,
          input.firstName,
          input.lastName,
          input.email,
          phone ?? null,
          input.restrictions ?? null,
        ],
      );
      const contactId = Number(result.insertId);
      await AuditService.record(tx, ctx.principal, {
        customerId: customer!.dbId,
        customerNumber: customer!.customerNumber,
        action: "contact.created",
        details: { contactId, types: input.types },
      });
      // The new contact's address is used only once it is confirmed.
      await EmailChangeService.request(tx, record, ctx, {
        purpose: EmailVerificationPurpose.CONTACT_EMAIL,
        targetId: contactId,
        customerId: customer!.dbId,
        customerNumber: customer!.customerNumber,
        newEmail: input.email,
      });
      return contactId;
    });
    return { contact: (await ContactService.byId(ctx, id))!, userErrors: [] };
  },

  async update(ctx: Context, contactGid: string, input: Partial<ContactInput>): Promise<Result> {
    const found = await ContactService.byId(ctx, idOfType(contactGid, "Contact", "contactId"));
    const customer = found ? await CustomerService.byId(ctx, found.customerId) : null;
    assertMay(ctx, "editContacts", customer);
    const contact = found!;
    if (touchesAuthority(input, contact.types)) assertMay(ctx, "manageContacts", customer);
    const errors: UserError[] = [];
    const { phone } = check(input, customer!.address.countryCode, errors);
    if (errors.length) return { userErrors: errors };
    const failure = await ctx.outbox.transaction(ctx.db, async (tx, record): Promise<UserError | null> => {
      // The rules are checked against the rows as they are now, under the lock, and only the
      // fields given are written: a concurrent change to other fields is not undone.
      const contacts = await lockContacts(tx, customer!.dbId);
      const [current] = await tx.query("SELECT types, email_confirmed_at, receives_invoices FROM contacts WHERE id = ?", [contact.dbId]);
      if (!current) return userError(UserErrorCode.NOT_FOUND, "This contact was deleted meanwhile", ["contactId"]);
      const types = input.types ? [...new Set(input.types)] : setColumn<ContactType>(current.types);
      const receives = input.receivesInvoices ?? Boolean(current.receives_invoices);
      if (receives && (!current.email_confirmed_at || !types.some((t) => INVOICE_TYPES.includes(t)))) {
        return userError(
          UserErrorCode.CANNOT_RECEIVE_INVOICES,
          "Only STANDARD or BILLING contacts with a confirmed email receive invoices",
          ["input", "receivesInvoices"],
        );
      }
      const standardsAfter = contacts.filter((c) => (c.id === contact.dbId ? types : c.types).includes(ContactType.STANDARD));
      if (standardsAfter.length === 0) return userError(UserErrorCode.LAST_STANDARD_CONTACT, ADD_STANDARD_FIRST, ["input", "types"]);
      const sets: [string, unknown][] = [["receives_invoices", receives ? 1 : 0]];
      if (input.types) sets.push(["types", types.join(",")]);
      if (input.salutation !== undefined) sets.push(["salutation", input.salutation]);
      if (input.firstName) sets.push(["first_name", input.firstName]);
      if (input.lastName) sets.push(["last_name", input.lastName]);
      if (phone !== undefined) sets.push(["phone", phone]);
      if (input.restrictions !== undefined) sets.push(["restrictions", input.restrictions]);
      await tx.query(`UPDATE contacts SET ${sets.map(([column]) => `${column} = ?`).join(", ")} WHERE id = ?`, [
        ...sets.map(([, value]) => value),
        contact.dbId,
      ]);
      const changed = Object.keys(input).filter((k) => k !== "email");
      if (changed.length) {
        await AuditService.record(tx, ctx.principal, {
          customerId: customer!.dbId,
          customerNumber: customer!.customerNumber,
          action: "contact.updated",
          details: { contactId: contact.id, fields: changed },
        });
      }
      // A new address is a pending change; the current one stays until it is confirmed.
      if (input.email && input.email.trim().toLowerCase() !== contact.email.toLowerCase()) {
        await EmailChangeService.request(tx, record, ctx, {
          purpose: EmailVerificationPurpose.CONTACT_EMAIL,
          targetId: contact.dbId,
          customerId: customer!.dbId,
          customerNumber: customer!.customerNumber,
          newEmail: input.email,
        });
      }
      return null;
    });
    if (failure) return { userErrors: [failure] };
    ctx.loaders.get(contactById).clear(contact.dbId);
    return { contact: (await ContactService.byId(ctx, contact.dbId))!, userErrors: [] };
  },

  async delete(ctx: Context, contactGid: string): Promise<{ deletedContactId?: string; userErrors: UserError[] }> {
    const contact = await ContactService.byId(ctx, idOfType(contactGid, "Contact", "contactId"));
    const customer: CustomerNode | null = contact ? await CustomerService.byId(ctx, contact.customerId) : null;
    assertMay(ctx, "editContacts", customer);
    const failure = await ctx.outbox.transaction(ctx.db, async (tx): Promise<UserError | null> => {
      const contacts = await lockContacts(tx, customer!.dbId);
      const me = contacts.find((c) => c.id === contact!.dbId);
      if (!me) return userError(UserErrorCode.NOT_FOUND, "This contact was deleted already", ["contactId"]);
      if (me.types.includes(ContactType.STANDARD) && !contacts.some((c) => c.id !== me.id && c.types.includes(ContactType.STANDARD))) {
        return userError(UserErrorCode.LAST_STANDARD_CONTACT, ADD_STANDARD_FIRST, ["contactId"]);
      }
      await tx.query(
        "UPDATE email_verifications SET status = 'CANCELLED' WHERE purpose = 'CONTACT_EMAIL' AND target_id = ? AND status = 'PENDING'",
        [me.id],
      );
      await tx.query("DELETE FROM contacts WHERE id = ?", [me.id]);
      await AuditService.record(tx, ctx.principal, {
        customerId: customer!.dbId,
        customerNumber: customer!.customerNumber,
        action: "contact.deleted",
        details: { contactId: contact!.id, email: contact!.email },
      });
      return null;
    });
    return failure ? { userErrors: [failure] } : { deletedContactId: contact!.id, userErrors: [] };
  },
};
