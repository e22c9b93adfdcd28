import { Context } from "../platform/context";
import { Row } from "../platform/rows";
import { UnitOfWork } from "../unit-of-work/unit-of-work";
import { RefreshSubjectKind } from "./auth.enums";
import { SessionService } from "./sessions";

// Account closure, for the data-protection module, in its unit of work: only this module writes
// logins, memberships, sessions, second factors and invitations.

const SUBJECT_TABLES = ["totp_factors", "recovery_codes", "passkeys", "login_challenges", "webauthn_challenges"];

/** Deletes the sessions (with their refresh tokens) and the second factors of one login. */
async function forgetSubject(uow: UnitOfWork, kind: "USER" | "CUSTOMER", id: number): Promise<void> {
  await uow.tx.query(
    "DELETE t FROM refresh_tokens t JOIN sessions s ON s.id = t.session_id WHERE s.subject_kind = ? AND s.subject_id = ?",
    [kind, id],
  );
  await uow.tx.query("DELETE FROM refresh_tokens WHERE subject_kind = ? AND subject_id = ?", [kind, id]);
  await uow.tx.query("DELETE FROM sessions WHERE subject_kind = ? AND subject_id = ?", [kind, id]);
  for (const table of SUBJECT_TABLES) await uow.tx.query(`DELETE FROM ${table} WHERE subject_kind = ? AND subject_id = ?`, [kind, id]);
}

export const LoginErasure = {
  /**
   * A closed customer's logins end at once: the customer-number login's sessions, and every member
   * login's tokens (a refresh then gets no role at a closed customer; a login of only this customer
   * ends altogether). Called in the approval's unit of work, with the request's revocations.
   */
  async endLoginsOf(ctx: Context, uow: UnitOfWork, customerId: number): Promise<void> {
    await SessionService.endAll(ctx, uow, { kind: RefreshSubjectKind.CUSTOMER, id: customerId });
    const members: Row[] = await uow.tx.query(
      "SELECT m.user_id, (SELECT COUNT(*) FROM memberships o WHERE o.user_id = m.user_id AND o.customer_id <> m.customer_id) AS others FROM memberships m WHERE m.customer_id = ?",
      [customerId],
    );
    for (const m of members) {
      const subject = { kind: RefreshSubjectKind.USER, id: Number(m.user_id) };
      if (Number(m.others) === 0) await SessionService.endAll(ctx, uow, subject);
      else await SessionService.renewTokens(ctx, uow, subject);
    }
  },

  /**
   * Erases the closed customer's logins: its memberships go; a login that belongs to no other
   * customer loses its email, name, password, sessions and second factors (the row stays, disabled,
   * for the audit entries that name its id); a login of other customers keeps only those
   * memberships. Invitations and the customer-number login's sessions and factors go too.
   * Returns the email addresses erased, for the delivery records that name them.
   */
  async eraseOfCustomer(uow: UnitOfWork, customerId: number): Promise<string[]> {
    const members: Row[] = await uow.tx.query(
      `SELECT u.id, u.email, (SELECT COUNT(*) FROM memberships o WHERE o.user_id = u.id AND o.customer_id <> ?) AS others
       FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.customer_id = ? AND u.kind = 'CUSTOMER' FOR UPDATE`,
      [customerId, customerId],
    );
    await uow.tx.query("DELETE FROM memberships WHERE customer_id = ?", [customerId]);
    const erased: string[] = [];
    for (const member of members.filter((m) => Number(m.others) === 0)) {
      const userId = Number(member.id);
      erased.push(member.email);
      await forgetSubject(uow, "USER", userId);
      await uow.tx.query("DELETE FROM password_resets WHERE user_id = ?", [userId]);
      await uow.tx.query(
        "UPDATE users SET email = ?, display_name = 'erased', password_hash = NULL, disabled_at = COALESCE(disabled_at, CURRENT_TIMESTAMP(3)) WHERE id = ?",
        [`erased-${userId}@erased.invalid`, userId],
      );
    }
    await forgetSubject(uow, "CUSTOMER", customerId);
    const invited: Row[] = await uow.tx.query("SELECT email FROM invitations WHERE customer_id = ?", [customerId]);
    erased.push(...invited.map((i) => i.email));
    await uow.tx.query(
      "UPDATE invitations SET email = '', invited_by = 'erased', token_hash = NULL, status = IF(status = 'PENDING', 'CANCELLED', status) WHERE customer_id = ?",
      [customerId],
    );
    await uow.tx.query("UPDATE registrations SET email = NULL, display_name = NULL, password_hash = NULL WHERE customer_id = ?", [
      customerId,
    ]);
    return erased;
  },
};
