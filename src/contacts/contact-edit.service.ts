import { assertMay } from "../access/access";
import { CustomerMaster } from "../customers/customer-master";
import { CustomerService } from "../customers/customer.service";
import { FirstContactInput } from "../customers/customer.types";
import { Context } from "../platform/context";
import { toE164 } from "../platform/phone";
import { setColumn } from "../platform/rows";
import { refuse, refuseAny, UserError, userError, UserErrorCode } from "../platform/user-error";
import { mutate, Outcome, UnitOfWork } from "../unit-of-work/unit-of-work";
import { EmailChangeService } from "../verifications/email-change.service";
import { EmailVerificationPurpose } from "../verifications/email-verification.enums";
import { EmailVerificationService } from "../verifications/email-verification.service";
import { ContactType } from "./contact.enums";
import { ContactService } from "./contact.service";
import { ContactInput, ContactNode } from "./contact.types";

type ContactOutcome = Outcome<{ contact?: ContactNode }>;

const INVOICE_TYPES = [ContactType.STANDARD, ContactType.BILLING];
/** Types that carry authority (and phone-order restrictions): only those who manage contacts set them. */
const AUTHORITY_TYPES = [ContactType.OWNER, ContactType.SIGNATORY];

/**
 * The payload's contact, read after the commit. Its customer's pending email changes (what
 * `pendingEmail` answers from) are asked for in the same turn, so both travel in one round trip
 * instead of one after the other.
 */
async function replyContact(ctx: Context, contactId: number, customerId: number): Promise<{ contact?: ContactNode }> {
  const [contact] = await Promise.all([ContactService.byId(ctx, contactId), EmailVerificationService.pendingOfCustomer(ctx, customerId)]);
  return { contact: contact ?? undefined };
}

function touchesAuthority(input: Partial<ContactInput>, before: ContactType[] = []): boolean {
  if (input.restrictions !== undefined) return true;
  if (!input.types) return false;
  return AUTHORITY_TYPES.some((t) => input.types!.includes(t) !== before.includes(t));
}
const ADD_STANDARD_FIRST = "A customer must keep a STANDARD contact: add another STANDARD contact first";
const CANNOT_RECEIVE = "Only STANDARD or BILLING contacts with a confirmed email receive invoices";

/**
 * Rules on one contact's values, all refused together; returns the phone normalised to E.164 in
 * the customer's country (undefined when not given).
 */
function checked(input: Partial<ContactInput>, country: string, isNew: boolean): string | null | undefined {
  const errors: UserError[] = [];
  if (isNew) {
    for (const field of ["types", "firstName", "lastName", "email"] as const) {
      const value = input[field];
      if (!value || value.length === 0)
        errors.push(userError(UserErrorCode.INVALID_INPUT, `A new contact needs ${field}`, ["input", field]));
    }
  }
  if (input.types !== undefined && input.types !== null && input.types.length === 0) {
    errors.push(userError(UserErrorCode.INVALID_INPUT, "A contact has at least one type", ["input", "types"]));
  }
  let phone: string | null | undefined = undefined;
  if (input.phone !== undefined) {
    phone = input.phone ? toE164(input.phone, country) : null;
    if (input.phone && !phone)
      errors.push(userError(UserErrorCode.INVALID_INPUT, `${input.phone} is not a valid phone number`, ["input", "phone"]));
  }
  // A new contact's email is not confirmed yet.
  if (isNew && input.receivesInvoices)
    errors.push(userError(UserErrorCode.CANNOT_RECEIVE_INVOICES, CANNOT_RECEIVE, ["input", "receivesInvoices"]));
  refuseAny(errors);
  return phone;
}

/** A contact of the customer as it is under the lock: what the rules of a change look at. */
interface LockedContact {
  id: number;
  types: ContactType[];
  emailConfirmed: boolean;
  receivesInvoices: boolean;
}

/**
 * Locks every contact of the customer and reads them as they are now (one statement: the rules
 * need the changed contact's values too): two changes to one customer's contacts run one after
 * the other. The row locks do that on one server; a Galera cluster certifies only rows written, so
 * the change also claims the customer's contacts invariant (writes a counter on the customer row).
 */
async function lockContacts(uow: UnitOfWork, customerId: number): Promise<LockedContact[]> {
  await CustomerMaster.claimInvariant(uow, customerId, "contacts");
  const rows = await uow.tx.query<{ id: number; types: string; email_confirmed_at: Date | null; receives_invoices: number }[]>(
    "SELECT id, types, email_confirmed_at, receives_invoices FROM contacts WHERE customer_id = ? ORDER BY id FOR UPDATE",
    [customerId],
  );
  return rows.map((r) => ({
    id: r.id,
    types: setColumn<ContactType>(r.types),
    emailConfirmed: r.email_confirmed_at !== null,
    receivesInvoices: Boolean(r.receives_invoices),
  }));
}

export const ContactEditService = {
  /** What is wrong with a new customer's first contact, for one answer with what is wrong with the customer. */
  firstContactProblems(contact: FirstContactInput, country: string): UserError[] {
    if (!contact.phone || toE164(contact.phone, country)) return [];
    return [userError(UserErrorCode.INVALID_INPUT, `${contact.phone} is not a valid phone number`, ["input", "contact", "phone"])];
  },

  /**
   * The first STANDARD contact of a customer created in the same unit of work (a customer always
   * has one), checked by firstContactProblems; its phone in E.164 in the customer's country.
   * Its address gets a confirmation link like any new contact's: until it is confirmed the
   * contact cannot receive invoices.
   */
  async insertFirst(
    uow: UnitOfWork,
    ctx: Pick<Context, "config">,
    customerId: number,
    contact: FirstContactInput,
    country: string,
  ): Promise<number> {
    const result = await uow.tx.query(
      "INSERT INTO contacts (customer_id, types, salutation, first_name, last_name, email, phone) VALUES (?, ?, ?, ?, ?, ?, ?)",
      [
        customerId,
        ContactType.STANDARD,
        contact.salutation ?? null,
        contact.firstName,
        contact.lastName,
        contact.email,
        contact.phone ? toE164(contact.phone, country) : null,
      ],
    );
    const contactId = Number(result.insertId);
    await EmailChangeService.request(uow, ctx, {
      purpose: EmailVerificationPurpose.CONTACT_EMAIL,
      targetId: contactId,
      customerId,
      newEmail: contact.email,
    });
    return contactId;
  },

  create(ctx: Context, customerGid: string, input: ContactInput): Promise<ContactOutcome> {
    return mutate(
      ctx,
      { rule: "editContacts", load: CustomerService.target(ctx, customerGid) },
      {
        write: async (uow, { customer }) => {
          if (touchesAuthority(input)) assertMay(ctx, "manageContacts", customer);
          const phone = checked(input, customer.address.countryCode, true);
          const result = await uow.tx.query(
            "INSERT INTO contacts (customer_id, types, salutation, first_name, last_name, email, phone, restrictions) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            [
              customer.dbId,
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
          await uow.audit("contact.created", { contactId, types: input.types });
          // The new contact's address is used only once it is confirmed.
          await EmailChangeService.request(uow, ctx, {
            purpose: EmailVerificationPurpose.CONTACT_EMAIL,
            targetId: contactId,
            customerId: customer.dbId,
            newEmail: input.email,
          });
          return contactId;
        },
        reply: (contactId, { customer }) => replyContact(ctx, contactId, customer.dbId),
      },
    );
  },

  update(ctx: Context, contactGid: string, input: Partial<ContactInput>): Promise<ContactOutcome> {
    return mutate(
      ctx,
      { rule: "editContacts", load: ContactService.target(ctx, contactGid) },
      {
        // Changing a contact's email is a sensitive change (step-up).
        stepUp: input.email !== undefined && input.email !== null,
        write: async (uow, { contact, customer }) => {
          if (touchesAuthority(input, contact.types)) assertMay(ctx, "manageContacts", customer);
          const phone = checked(input, customer.address.countryCode, false);
          // The rules are checked against the rows as they are now, under the lock, and only the
          // fields given are written: a concurrent change to other fields is not undone.
          const contacts = await lockContacts(uow, customer.dbId);
          const current = contacts.find((c) => c.id === contact.dbId);
          if (!current) refuse(UserErrorCode.NOT_FOUND, "This contact was deleted meanwhile", ["contactId"]);
          const types = input.types ? [...new Set(input.types)] : current.types;
          const receives = input.receivesInvoices ?? current.receivesInvoices;
          if (receives && (!current.emailConfirmed || !types.some((t) => INVOICE_TYPES.includes(t)))) {
            refuse(UserErrorCode.CANNOT_RECEIVE_INVOICES, CANNOT_RECEIVE, ["input", "receivesInvoices"]);
          }
          const standardsAfter = contacts.filter((c) => (c.id === contact.dbId ? types : c.types).includes(ContactType.STANDARD));
          if (standardsAfter.length === 0) refuse(UserErrorCode.LAST_STANDARD_CONTACT, ADD_STANDARD_FIRST, ["input", "types"]);
          const sets: [string, unknown][] = [["receives_invoices", receives ? 1 : 0]];
          if (input.types) sets.push(["types", types.join(",")]);
          if (input.salutation !== undefined) sets.push(["salutation", input.salutation]);
          if (input.firstName) sets.push(["first_name", input.firstName]);
          if (input.lastName) sets.push(["last_name", input.lastName]);
          if (phone !== undefined) sets.push(["phone", phone]);
          if (input.restrictions !== undefined) sets.push(["restrictions", input.restrictions]);
          uow.tx.defer(`UPDATE contacts SET ${sets.map(([column]) => `${column} = ?`).join(", ")} WHERE id = ?`, [
            ...sets.map(([, value]) => value),
            contact.dbId,
          ]);
          const changed = Object.keys(input).filter((k) => k !== "email");
          if (changed.length) await uow.audit("contact.updated", { contactId: contact.id, fields: changed });
          // A new address is a pending change; the current one stays until it is confirmed.
          if (input.email && input.email.trim().toLowerCase() !== contact.email.toLowerCase()) {
            await EmailChangeService.request(uow, ctx, {
              purpose: EmailVerificationPurpose.CONTACT_EMAIL,
              targetId: contact.dbId,
              customerId: customer.dbId,
              newEmail: input.email,
            });
          }
        },
        reply: (_, { contact, customer }) => replyContact(ctx, contact.dbId, customer.dbId),
      },
    );
  },

  delete(ctx: Context, contactGid: string): Promise<Outcome<{ deletedContactId?: string }>> {
    return mutate(
      ctx,
      { rule: "editContacts", load: ContactService.target(ctx, contactGid) },
      {
        write: async (uow, { contact, customer }) => {
          const contacts = await lockContacts(uow, customer.dbId);
          const me = contacts.find((c) => c.id === contact.dbId);
          if (!me) refuse(UserErrorCode.NOT_FOUND, "This contact was deleted already", ["contactId"]);
          if (me.types.includes(ContactType.STANDARD) && !contacts.some((c) => c.id !== me.id && c.types.includes(ContactType.STANDARD))) {
            refuse(UserErrorCode.LAST_STANDARD_CONTACT, ADD_STANDARD_FIRST, ["contactId"]);
          }
          await EmailChangeService.cancelPending(uow, EmailVerificationPurpose.CONTACT_EMAIL, me.id);
          await uow.tx.query("DELETE FROM contacts WHERE id = ?", [me.id]);
          await uow.audit("contact.deleted", { contactId: contact.id, email: contact.email });
          return { deletedContactId: contact.id };
        },
      },
    );
  },
};
