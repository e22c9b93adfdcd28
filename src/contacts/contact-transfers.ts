import { Context } from "../platform/context";
import { UnitOfWork } from "../unit-of-work/unit-of-work";
import { EmailChangeService } from "../verifications/email-change.service";
import { EmailVerificationPurpose } from "../verifications/email-verification.enums";
import { ContactType } from "./contact.enums";

// Contacts passing to someone else, for modules above contacts (change requests, merges), each in
// the caller's unit of work: only this module writes the contacts table.
export const ContactTransfers = {
  /**
   * A new OWNER contact takes the place of the customer's owners. The former owners keep their
   * other types; one that was only the owner stays as OTHER. Returns the new contact's id.
   */
  async newOwner(
    uow: UnitOfWork,
    ctx: Context,
    customerId: number,
    owner: { firstName: string; lastName: string; email: string },
  ): Promise<number> {
    await uow.tx.query(
      "UPDATE contacts SET types = TRIM(BOTH ',' FROM REPLACE(CONCAT(',', types, ','), ?, ',')) WHERE customer_id = ? AND FIND_IN_SET(?, types)",
      [`,${ContactType.OWNER},`, customerId, ContactType.OWNER],
    );
    await uow.tx.query("UPDATE contacts SET types = ? WHERE customer_id = ? AND types = ''", [ContactType.OTHER, customerId]);
    const result = await uow.tx.query("INSERT INTO contacts (customer_id, types, first_name, last_name, email) VALUES (?, ?, ?, ?, ?)", [
      customerId,
      ContactType.OWNER,
      owner.firstName,
      owner.lastName,
      owner.email,
    ]);
    const contactId = Number(result.insertId);
    // The new owner's address is confirmed like every other contact's.
    await EmailChangeService.request(uow, ctx, {
      purpose: EmailVerificationPurpose.CONTACT_EMAIL,
      targetId: contactId,
      customerId,
      newEmail: owner.email,
    });
    return contactId;
  },

  /** Every contact of one customer becomes a contact of another (a merge). */
  async moveToCustomer(uow: UnitOfWork, fromCustomerId: number, toCustomerId: number): Promise<void> {
    await uow.tx.query("UPDATE contacts SET customer_id = ? WHERE customer_id = ?", [toCustomerId, fromCustomerId]);
  },

  /** A closed customer's contacts lose every personal detail (account closure); returns the emails they had. */
  async eraseOfCustomer(uow: UnitOfWork, customerId: number): Promise<string[]> {
    const rows = await uow.tx.query("SELECT email FROM contacts WHERE customer_id = ? FOR UPDATE", [customerId]);
    await uow.tx.query(
      `UPDATE contacts SET salutation = NULL, first_name = 'erased', last_name = 'erased', email = '', email_confirmed_at = NULL,
         phone = NULL, phone_password_hash = NULL, restrictions = NULL, receives_invoices = 0 WHERE customer_id = ?`,
      [customerId],
    );
    return rows.map((r) => r.email as string);
  },
};
