import { DataSource } from "typeorm";
import { Context } from "../platform/context";
import { toGlobalId } from "../platform/global-id";
import { childrenLoader, rowLoader, RowSource } from "../platform/loaders";
import { boolColumn, setColumn } from "../platform/rows";
import { ContactType } from "./contact.entity";
import { ContactNode } from "./contact.types";

type Row = Record<string, any>;

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
export const CONTACTS: RowSource<ContactNode> = {
  table: "contacts",
  columns: [
    "id", "customer_id", "types", "salutation", "first_name", "last_name", "email", "email_confirmed_at", "phone",
    "phone_password_hash IS NOT NULL AS has_phone_password", "restrictions", "receives_invoices", "created_at", "updated_at",
  ],
  map: contactFromRow,
};

export const contactById = (db: DataSource) => rowLoader(db, CONTACTS, "id");
export const contactsByCustomer = (db: DataSource) => childrenLoader(db, CONTACTS, "customer_id", [{ column: "id" }]);

export const ContactService = {
  byId(ctx: Context, id: number): Promise<ContactNode | null> {
    return ctx.loaders.get(contactById).load(id);
  },

  /** All contacts of a customer; a customer has a handful, so this list is not paginated. */
  ofCustomer(ctx: Context, customerId: number): Promise<ContactNode[]> {
    return ctx.loaders.get(contactsByCustomer).load(customerId);
  },
};
