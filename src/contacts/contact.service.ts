import { DataSource } from "typeorm";
import { forbidden } from "../access/access";
import { hashPassword, verifyAgainstDecoy, verifyPassword } from "../access/passwords";
import { CustomerService } from "../customers/customer.service";
import { Context } from "../platform/context";
import { idOfType } from "../platform/global-id";
import { refuse, UserErrorCode } from "../platform/user-error";
import { mutate, Outcome } from "../unit-of-work/unit-of-work";
import { CustomerNode } from "../customers/customer.types";
import { toGlobalId } from "../platform/global-id";
import { childrenLoader, rowLoader, rowSource } from "../platform/loaders";
import { columnsFor } from "../platform/projection";
import { boolColumn, Row, setColumn } from "../platform/rows";
import { ContactType } from "./contact.enums";
import { ContactNode } from "./contact.types";

/** Spoken on the phone, so shorter than a login password, but not trivially short. */
const PHONE_PASSWORD_MIN = 6;

export function contactFromRow(r: Row): ContactNode {
  return {
    __typename: "Contact",
    id: toGlobalId("Contact", r.id),
    dbId: r.id,
    customerId: r.customer_id,
    types: setColumn<ContactType>(r.types),
    salutation: r.salutation ?? undefined,
    firstName: r.first_name,
    lastName: r.last_name,
    email: r.email,
    emailConfirmed: r.email_confirmed_at !== null,
    phone: r.phone ?? undefined,
    hasPhonePassword: Boolean(r.has_phone_password),
    restrictions: r.restrictions ?? undefined,
    receivesInvoices: boolColumn(r.receives_invoices),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Everything contactFromRow reads; of the phone password only whether one is set. */
export const CONTACTS = rowSource({
  table: "contacts",
  always: ["id", "customer_id"],
  fields: {
    id: [],
    customer: [],
    pendingEmail: [],
    types: ["types"],
    salutation: ["salutation"],
    firstName: ["first_name"],
    lastName: ["last_name"],
    email: ["email"],
    emailConfirmed: ["email_confirmed_at"],
    phone: ["phone"],
    hasPhonePassword: ["phone_password_hash IS NOT NULL AS has_phone_password"],
    restrictions: ["restrictions"],
    receivesInvoices: ["receives_invoices"],
    createdAt: ["created_at"],
    updatedAt: ["updated_at"],
  },
  map: contactFromRow,
});

export const contactById = (db: DataSource) => rowLoader(db, CONTACTS, "id");
export const contactsByCustomer = (db: DataSource, columns?: readonly string[]) =>
  childrenLoader(db, CONTACTS, "customer_id", [{ column: "id" }], undefined, columns);

export const ContactService = {
  /** A contact as the target of a mutation (see mutate), with the customer it belongs to. */
  async target(ctx: Context, contactGid: string): Promise<{ contact: ContactNode; customer: CustomerNode | null } | null> {
    const contact = await ContactService.byId(ctx, idOfType(contactGid, "Contact", "contactId"));
    return contact && { contact, customer: await CustomerService.byId(ctx, contact.customerId) };
  },

  byId(ctx: Context, id: number): Promise<ContactNode | null> {
    return ctx.loaders.get(contactById).load(id);
  },

  /** All contacts of a customer; a customer has a handful, so this list is not paginated. */
  ofCustomer(ctx: Context, customerId: number, fields?: ReadonlySet<string>): Promise<ContactNode[]> {
    const columns = columnsFor(ctx, CONTACTS, fields);
    return ctx.loaders.get(contactsByCustomer, columns).load(customerId);
  },

  /** Sets or clears (null) the phone password. Stored hashed; nobody can read it back. */
  async setPhonePassword(ctx: Context, contactGid: string, password: string | null): Promise<Outcome<{ contact?: ContactNode }>> {
    return mutate(
      ctx,
      { rule: "manageContacts", load: ContactService.target(ctx, contactGid) },
      {
        stepUp: true,
        // Hashed before the transaction: no pooled connection waits while the hash takes its time.
        prepare: async () => {
          if (password !== null && (password.length < PHONE_PASSWORD_MIN || password.length > 100)) {
            refuse(UserErrorCode.INVALID_INPUT, `A phone password has ${PHONE_PASSWORD_MIN} to 100 characters`, ["password"]);
          }
          return password === null ? null : await hashPassword(password);
        },
        write: async ({ tx, audit }, { contact }, hash) => {
          await tx.query("UPDATE contacts SET phone_password_hash = ? WHERE id = ?", [hash, contact.dbId]);
          await audit(password === null ? "contact.phonePassword.cleared" : "contact.phonePassword.set", { contactId: contact.id });
        },
        reply: async (_, { contact }) => ({ contact: (await ContactService.byId(ctx, contact.dbId)) ?? undefined }),
      },
    );
  },

  /**
   * Staff check what a caller says on the phone; rate limited per contact (RATE_LIMITED in
   * userErrors). A unit of work like every mutation, though it writes nothing: the failure count is in Redis.
   */
  verifyPhonePassword(ctx: Context, contactGid: string, password: string): Promise<Outcome<{ valid?: boolean; restrictions?: string }>> {
    if (ctx.principal.kind !== "staff") throw forbidden();
    return mutate(
      ctx,
      { rule: "read", load: ContactService.target(ctx, contactGid) },
      {
        // The check runs before the (empty) transaction: no pooled connection waits for the hash.
        prepare: async ({ contact }) => {
          if (password.length > 100) return { valid: false };
          const limit = [`phone-password:${contact.dbId}`];
          const release = await ctx.auth.limiter.begin(limit);
          try {
            const [row] = await ctx.db.query("SELECT phone_password_hash, restrictions FROM contacts WHERE id = ?", [contact.dbId]);
            const valid = row?.phone_password_hash
              ? await verifyPassword(password, row.phone_password_hash)
              : await verifyAgainstDecoy(password);
            if (!valid) {
              await ctx.auth.limiter.recordFailure(limit);
              return { valid: false };
            }
            return { valid: true, restrictions: row.restrictions ?? undefined };
          } finally {
            await release();
          }
        },
        write: async (_uow, _target, check) => check,
      },
    );
  },
};
