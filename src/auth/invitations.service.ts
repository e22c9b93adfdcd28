import { DataSource } from "typeorm";
import { CustomerMaster } from "../customers/customer-master";
import { CustomerService } from "../customers/customer.service";
import { CustomerNode } from "../customers/customer.types";
import { Context } from "../platform/context";
import { idOfType, toGlobalId } from "../platform/global-id";
import { childrenLoader, rowSource } from "../platform/loaders";
import { principalLabel } from "../platform/principal";
import { Row } from "../platform/rows";
import { Refusal, refuse, UserErrorCode } from "../platform/user-error";
import { AuditedCustomer, mutate, mutateUntargeted, Outcome, UnitOfWork } from "../unit-of-work/unit-of-work";
import { CustomerRole, UserKind } from "../users/user.enums";
import { verifyAgainstDecoy, verifyPassword } from "../access/passwords";
import { sha256 } from "../access/tokens";
import { RefreshSubjectKind } from "./auth.enums";
import { AuthService } from "./auth.service";
import { PortalInvitation, PortalInvitationAcceptInput } from "./portal-users.types";
import { SessionService } from "./sessions";

/** How long an invitation link works; a resend starts the time again. */
export const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;

const INVITATIONS = rowSource({
  table: "invitations",
  always: ["id", "email", "role", "invited_by", "expires_at", "created_at"],
  // The loader's key, and what an invitation as a mutation's target is authorized by.
  extra: ["customer_id"],
  map: (r: Row): PortalInvitation => {
    const invitation = new PortalInvitation();
    invitation.dbId = Number(r.id);
    invitation.id = toGlobalId("PortalInvitation", r.id as number);
    invitation.email = r.email as string;
    invitation.role = r.role as CustomerRole;
    invitation.invitedBy = r.invited_by as string;
    invitation.expiresAt = r.expires_at as Date;
    invitation.createdAt = r.created_at as Date;
    return invitation;
  },
});
const INVITATION_COLUMNS = INVITATIONS.columns.join(", ");
const invitationFromRow = INVITATIONS.map;

/** The pending invitations of each customer (expired ones too, so they can be resent), one statement per batch. */
const pendingByCustomer = (db: DataSource) =>
  childrenLoader(db, INVITATIONS, "customer_id", [{ column: "id" }], () => ({ sql: "status = 'PENDING'", params: [] }));

interface InvitationTarget {
  customer: CustomerNode | null;
  invitation: PortalInvitation;
}

/** The one answer for a link that does not work, whatever the reason: unknown, expired, used, cancelled or resent. */
const invalidLink = (): never =>
  refuse(UserErrorCode.INVALID_LINK, "This invitation link is not valid any more; ask for a new invitation", ["input", "token"]);

const EXISTING_LOGIN_MESSAGE = "This address already has a login: sign in with it, or give its current password";
const PASSWORD_FIELD = ["input", "password"];

/** The invitation a link opens, locked or not; refused alike for every reason it does not work. */
async function openInvitation(db: Pick<DataSource, "query">, token: string, lock: boolean): Promise<Row> {
  const [row] = await db.query(
    `SELECT id, customer_id, email, role, status, expires_at FROM invitations WHERE token_hash = ?${lock ? " FOR UPDATE" : ""}`,
    [sha256(token)],
  );
  if (!row || row.status !== "PENDING" || row.expires_at.getTime() <= Date.now()) invalidLink();
  return row;
}

/** A new login's password hash; its refusal points at this input's password field. */
async function newLoginHash(password: string | undefined): Promise<string> {
  if (!password) refuse(UserErrorCode.INVALID_INPUT, "Choose a password for your new login", PASSWORD_FIELD);
  try {
    return await AuthService.newPasswordHash(password);
  } catch (error) {
    if (error instanceof Refusal) refuse(error.userErrors[0].code, error.userErrors[0].message, PASSWORD_FIELD);
    throw error;
  }
}

/** Records the mail of a new link; the worker derives the token from this outbox row, so the old link dies. */
async function sendLink(uow: UnitOfWork, invitationId: number): Promise<void> {
  const outboxId = await uow.emit("user-invitation", { invitationId });
  await uow.tx.query("UPDATE invitations SET outbox_id = ?, token_hash = NULL, expires_at = ? WHERE id = ?", [
    outboxId,
    new Date(Date.now() + INVITATION_TTL_MS),
    invitationId,
  ]);
}

/** Who accepts: a new login (its password's hash) or an existing one that proved it is the caller's. */
type Joining = { hash: string } | { userId: number };

type InvitationOutcome = Outcome<{ invitation?: PortalInvitation }>;

export const InvitationsService = {
  pendingOfCustomer(ctx: Context, customerId: number): Promise<PortalInvitation[]> {
    return ctx.loaders.get(pendingByCustomer).load(customerId);
  },

  async byId(ctx: Context, id: number): Promise<PortalInvitation | undefined> {
    const [row] = await ctx.db.query(`SELECT ${INVITATION_COLUMNS} FROM invitations WHERE id = ?`, [id]);
    return row ? invitationFromRow(row) : undefined;
  },

  async target(ctx: Context, invitationGid: string): Promise<InvitationTarget | null> {
    const id = idOfType(invitationGid, "PortalInvitation", "invitationId");
    const [row] = await ctx.db.query(`SELECT ${INVITATION_COLUMNS} FROM invitations WHERE id = ?`, [id]);
    return row ? { invitation: invitationFromRow(row), customer: await CustomerService.byId(ctx, row.customer_id) } : null;
  },

  /**
   * Invites an address to the customer's portal with a role. The reply and what is written are the
   * same whether or not the address has a login elsewhere; only its mailbox learns (from the mail).
   */
  invite(ctx: Context, customerGid: string, email: string, role: CustomerRole): Promise<InvitationOutcome> {
    const address = email.trim().toLowerCase();
    return mutate(
      ctx,
      { rule: "manageUsers", load: CustomerService.target(ctx, customerGid) },
      {
        stepUp: true,
        write: async (uow, { customer }) => {
          // The pending check below locks a gap, which a Galera cluster does not certify: two
          // invitations of one address on different nodes both write the customer's memberships
          // counter instead, so the second runs again and finds the first.
          await CustomerMaster.claimInvariant(uow, customer.dbId, "memberships");
          const [member] = await uow.tx.query(
            "SELECT m.id FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.customer_id = ? AND u.email = ?",
            [customer.dbId, address],
          );
          if (member) refuse(UserErrorCode.TAKEN, "This address already is a user of this customer", ["email"]);
          const [pending] = await uow.tx.query(
            "SELECT id FROM invitations WHERE customer_id = ? AND email = ? AND status = 'PENDING' FOR UPDATE",
            [customer.dbId, address],
          );
          if (pending) refuse(UserErrorCode.TAKEN, "This address is invited already; resend or cancel that invitation", ["email"]);
          const result = await uow.tx.query(
            "INSERT INTO invitations (customer_id, email, role, invited_by, expires_at) VALUES (?, ?, ?, ?, ?)",
            [customer.dbId, address, role, principalLabel(ctx.principal), new Date(Date.now() + INVITATION_TTL_MS)],
          );
          const invitationId = Number(result.insertId);
          await sendLink(uow, invitationId);
          await uow.audit("user.invited", { invitationId, email: address, role });
          await uow.emit("user-membership-changed", { customerId: customer.dbId, invitationId, change: "invited" });
          return invitationId;
        },
        reply: async (invitationId) => ({ invitation: await InvitationsService.byId(ctx, invitationId) }),
      },
    );
  },

  /** A new link for a pending invitation, valid 7 days again; the old link stops working. */
  resend(ctx: Context, invitationGid: string): Promise<InvitationOutcome> {
    return mutate(
      ctx,
      { rule: "manageUsers", load: InvitationsService.target(ctx, invitationGid) },
      {
        stepUp: true,
        write: async (uow, { invitation }) => {
          const [row] = await uow.tx.query("SELECT status FROM invitations WHERE id = ? FOR UPDATE", [invitation.dbId]);
          if (row.status !== "PENDING") refuse(UserErrorCode.NOT_PENDING, "This invitation was accepted or cancelled", ["invitationId"]);
          await sendLink(uow, invitation.dbId);
          await uow.audit("user.invitation.resent", { invitationId: invitation.dbId, email: invitation.email });
        },
        reply: async (_, { invitation }) => ({ invitation: await InvitationsService.byId(ctx, invitation.dbId) }),
      },
    );
  },

  cancel(ctx: Context, invitationGid: string): Promise<Outcome<{ ok: boolean }>> {
    return mutate(
      ctx,
      { rule: "manageUsers", load: InvitationsService.target(ctx, invitationGid) },
      {
        stepUp: true,
        write: async (uow, { invitation }) => {
          const result = await uow.tx.query(
            "UPDATE invitations SET status = 'CANCELLED', decided_at = CURRENT_TIMESTAMP(3) WHERE id = ? AND status = 'PENDING'",
            [invitation.dbId],
          );
          if (result.affectedRows !== 1) refuse(UserErrorCode.NOT_PENDING, "This invitation was accepted or cancelled", ["invitationId"]);
          await uow.audit("user.invitation.cancelled", { invitationId: invitation.dbId, email: invitation.email });
          return { ok: true };
        },
      },
    );
  },

  /**
   * Accepts an invitation (public: the link proves the mailbox). No login with the address yet:
   * one is made with the given password, active at once. A login exists: the caller must be
   * signed in as it or give its current password; it then gets a membership of this customer too.
   */
  accept(ctx: Context, input: PortalInvitationAcceptInput): Promise<Outcome<{ ok: boolean }>> {
    return mutateUntargeted(ctx, {
      // Password hashes and checks before the transaction: no pooled connection waits for them.
      prepare: async (): Promise<{ invitationId: number; login: Joining }> => {
        const invitation = await openInvitation(ctx.db, input.token, false);
        const [login] = await ctx.db.query("SELECT id, kind, password_hash, disabled_at FROM users WHERE email = ?", [invitation.email]);
        if (!login) return { invitationId: Number(invitation.id), login: { hash: await newLoginHash(input.password) } };
        const signedInAs = ctx.principal.kind === "customer" && ctx.principal.userId === login.id;
        if (!signedInAs) {
          const proven = await ctx.auth.limiter.check([`invitation-accept:${login.id}`], () =>
            input.password && login.password_hash
              ? verifyPassword(input.password, login.password_hash)
              : verifyAgainstDecoy(input.password ?? ""),
          );
          if (!proven) refuse(UserErrorCode.INVALID_CREDENTIALS, EXISTING_LOGIN_MESSAGE, PASSWORD_FIELD);
        }
        // Staff and reseller logins have no memberships; a disabled login stays out.
        if (login.kind !== UserKind.CUSTOMER || login.disabled_at) {
          refuse(UserErrorCode.INVALID_INPUT, "This login cannot join a customer; ask for an invitation to another address", [
            "input",
            "token",
          ]);
        }
        return { invitationId: Number(invitation.id), login: { userId: Number(login.id) } };
      },
      write: async (uow, prepared) => {
        const invitation = await openInvitation(uow.tx, input.token, true);
        if (Number(invitation.id) !== prepared.invitationId) invalidLink();
        const joining = prepared.login;
        let userId: number;
        if ("hash" in joining) {
          const [taken] = await uow.tx.query("SELECT id FROM users WHERE email = ? FOR UPDATE", [invitation.email]);
          if (taken)
            refuse(UserErrorCode.CONFLICT, "A login for this address was made meanwhile; accept again with its password", PASSWORD_FIELD);
          const displayName = input.displayName?.trim() || invitation.email.split("@")[0];
          const result = await uow.tx.query(
            "INSERT INTO users (kind, email, display_name, password_hash, password_changed_at) VALUES (?, ?, ?, ?, CURRENT_TIMESTAMP(3))",
            [UserKind.CUSTOMER, invitation.email, displayName, joining.hash],
          );
          userId = Number(result.insertId);
        } else {
          userId = joining.userId;
          const [same] = await uow.tx.query("SELECT id FROM users WHERE id = ? AND email = ? AND disabled_at IS NULL FOR UPDATE", [
            userId,
            invitation.email,
          ]);
          if (!same) refuse(UserErrorCode.CONFLICT, "This login changed meanwhile; try again", PASSWORD_FIELD);
          const [member] = await uow.tx.query("SELECT id FROM memberships WHERE user_id = ? AND customer_id = ?", [
            userId,
            invitation.customer_id,
          ]);
          if (member) refuse(UserErrorCode.TAKEN, "Your login already has access to this customer", ["input", "token"]);
        }
        await uow.tx.query("INSERT INTO memberships (user_id, customer_id, role) VALUES (?, ?, ?)", [
          userId,
          invitation.customer_id,
          invitation.role,
        ]);
        await uow.tx.query(
          "UPDATE invitations SET status = 'ACCEPTED', accepted_user_id = ?, decided_at = CURRENT_TIMESTAMP(3) WHERE id = ?",
          [userId, invitation.id],
        );
        const [c] = await uow.tx.query("SELECT id, reseller_id, customer_number FROM customers WHERE id = ?", [invitation.customer_id]);
        const customer: AuditedCustomer = { dbId: c.id, resellerId: c.reseller_id, customerNumber: c.customer_number };
        await uow.audit(
          "user.invitation.accepted",
          { invitationId: Number(invitation.id), userId, email: invitation.email, role: invitation.role },
          customer,
        );
        await uow.emit("user-membership-changed", { customerId: customer.dbId, userId, change: "added" });
        // An existing login's tokens carry its roles: they renew to include the new customer.
        if (!("hash" in joining)) await SessionService.renewTokens(ctx, uow, { kind: RefreshSubjectKind.USER, id: userId });
        return { ok: true };
      },
    });
  },
};
