import { Context } from "../platform/context";
import { UnitOfWork } from "../unit-of-work/unit-of-work";
import { RefreshSubjectKind } from "./auth.enums";

/** Whose sessions: a personal login (USER), the customer-number login (CUSTOMER) or an API client. */
export interface SessionSubject {
  kind: RefreshSubjectKind;
  id: number;
}

/**
 * Taking access back. Both calls belong in the unit of work of the change that causes them: what
 * they record takes effect for every API process on the next request after the mutation returns.
 */
export const SessionService = {
  /**
   * Ends every session of the subject (except the session `keep`, e.g. the caller's own on a
   * password change): refresh tokens stop at once, access tokens on the next request.
   */
  async endAll(_ctx: Context, uow: UnitOfWork, subject: SessionSubject, keep: string | null = null): Promise<void> {
    await uow.tx.query(
      "UPDATE refresh_tokens SET revoked_at = CURRENT_TIMESTAMP(3) WHERE subject_kind = ? AND subject_id = ? AND revoked_at IS NULL AND family_id <> ?",
      [subject.kind, subject.id, keep ?? ""],
    );
  },

  /**
   * The subject's roles or memberships changed: its access tokens are refused on the next request,
   * and its refresh tokens keep working and get a token with the new roles.
   */
  async renewTokens(_ctx: Context, _uow: UnitOfWork, _subject: SessionSubject): Promise<void> {
    // Filled in by the revocation work (issue 16): until then access tokens renew at expiry.
  },
};
