import DataLoader from "dataloader";
import { DataSource } from "typeorm";
import { CustomerMaster } from "../customers/customer-master";
import { CustomerService } from "../customers/customer.service";
import { CustomerNode } from "../customers/customer.types";
import { Context } from "../platform/context";
import { readQuery } from "../platform/db";
import { idOfType, toGlobalId } from "../platform/global-id";
import { boolColumn, Row } from "../platform/rows";
import { refuse, UserErrorCode } from "../platform/user-error";
import { mutate, Outcome, UnitOfWork } from "../unit-of-work/unit-of-work";
import { CustomerRole } from "../users/user.enums";
import { EmailChangeService } from "../verifications/email-change.service";
import { EmailVerificationPurpose } from "../verifications/email-verification.enums";
import { RefreshSubjectKind } from "./auth.enums";
import { PortalUser, PortalUserStatus } from "./portal-users.types";
import { SessionService } from "./sessions";

// A customer's portal users: the logins with a membership of it, managed by its ADMIN (and its
// reseller and staff, rule manageUsers). Invitations are in invitations.service.ts.

function portalUserFromRow(r: Row): PortalUser {
  const user = new PortalUser();
  user.dbId = Number(r.id);
  user.id = toGlobalId("User", r.id as number);
  user.email = r.email as string;
  user.displayName = r.display_name as string;
  user.role = r.role as CustomerRole;
  // A registration's login is disabled until its address is confirmed: that is not a lock-out.
  user.status = !boolColumn(r.disabled)
    ? PortalUserStatus.ACTIVE
    : boolColumn(r.email_pending)
      ? PortalUserStatus.PENDING_EMAIL
      : PortalUserStatus.DISABLED;
  user.lastLoginAt = (r.last_login_at as Date | null) ?? null;
  return user;
}

/** The portal users of each customer, one statement per batch of customers. */
const usersByCustomer = (db: DataSource) =>
  new DataLoader<number, PortalUser[]>(async (customerIds) => {
    const rows: Row[] = await readQuery(
      db,
      `SELECT m.customer_id, m.role, u.id, u.email, u.display_name, u.last_login_at, u.disabled_at IS NOT NULL AS disabled,
         EXISTS (SELECT 1 FROM email_verifications v WHERE v.purpose = 'LOGIN_EMAIL' AND v.target_id = u.id AND v.status = 'PENDING') AS email_pending
       FROM memberships m JOIN users u ON u.id = m.user_id
       WHERE m.customer_id IN (?) ORDER BY m.customer_id, u.email, u.id`,
      [customerIds],
    );
    const byCustomer = new Map<number, PortalUser[]>(customerIds.map((id) => [id, []]));
    for (const row of rows) byCustomer.get(Number(row.customer_id))?.push(portalUserFromRow(row));
    return customerIds.map((id) => byCustomer.get(id) ?? []);
  });

/** A member of a customer as the target of a mutation: null when the user is not a member of it. */
interface MemberTarget {
  customer: CustomerNode | null;
  member: PortalUser;
}

/**
 * The customer's memberships, locked: every change that could leave it without an ADMIN runs one
 * at a time (on a Galera cluster it claims the customer's memberships invariant, a counter it writes).
 */
interface LockedMembership {
  userId: number;
  role: CustomerRole;
  disabled: boolean;
}

async function lockMemberships(uow: UnitOfWork, customerId: number): Promise<LockedMembership[]> {
  await CustomerMaster.claimInvariant(uow, customerId, "memberships");
  const rows: Row[] = await uow.tx.query(
    `SELECT m.user_id, m.role, u.disabled_at IS NOT NULL AS disabled
     FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.customer_id = ? ORDER BY m.id FOR UPDATE`,
    [customerId],
  );
  return rows.map((r) => ({ userId: Number(r.user_id), role: r.role as CustomerRole, disabled: boolColumn(r.disabled) }));
}

/** The member as it is now (it may have gone meanwhile), and whether it is the customer's last enabled ADMIN. */
function memberIn(memberships: LockedMembership[], userId: number): { member: LockedMembership; lastAdmin: boolean } {
  const member = memberships.find((m) => m.userId === userId);
  if (!member) refuse(UserErrorCode.CONFLICT, "This user was removed from the customer meanwhile; reload", ["userId"]);
  const enabledAdmins = memberships.filter((m) => m.role === CustomerRole.ADMIN && !m.disabled);
  const lastAdmin = member.role === CustomerRole.ADMIN && !member.disabled && enabledAdmins.length === 1;
  return { member, lastAdmin };
}

const LAST_ADMIN_MESSAGE = "This is the customer's last ADMIN: make another user ADMIN first";

type UserOutcome = Outcome<{ user?: PortalUser }>;

export const PortalUsersService = {
  ofCustomer(ctx: Context, customerId: number): Promise<PortalUser[]> {
    return ctx.loaders.get(usersByCustomer).load(customerId);
  },

  async member(ctx: Context, customerId: number, userId: number): Promise<PortalUser | undefined> {
    return (await PortalUsersService.ofCustomer(ctx, customerId)).find((u) => u.dbId === userId);
  },

  /** A user of a customer, as a mutation's target: an id that is not a member is refused like a foreign customer. */
  async target(ctx: Context, customerGid: string, userGid: string): Promise<MemberTarget | null> {
    const userId = idOfType(userGid, "User", "userId");
    const { customer } = await CustomerService.target(ctx, customerGid);
    const member = customer && (await PortalUsersService.member(ctx, customer.dbId, userId));
    return member ? { customer, member } : null;
  },

  /** The user's role at this customer; its access tokens renew (the new role applies from the next request). */
  changeRole(ctx: Context, customerGid: string, userGid: string, role: CustomerRole): Promise<UserOutcome> {
    return mutate(
      ctx,
      { rule: "manageUsers", load: PortalUsersService.target(ctx, customerGid, userGid) },
      {
        stepUp: true,
        write: async (uow, { customer, member: target }) => {
          const { member, lastAdmin } = memberIn(await lockMemberships(uow, customer.dbId), target.dbId);
          if (member.role === role) return;
          if (lastAdmin) refuse(UserErrorCode.LAST_ADMIN, LAST_ADMIN_MESSAGE, ["role"]);
          await uow.tx.query("UPDATE memberships SET role = ? WHERE user_id = ? AND customer_id = ?", [role, member.userId, customer.dbId]);
          await uow.audit("user.role.changed", { userId: member.userId, email: target.email, from: member.role, to: role });
          await uow.emit("user-membership-changed", { customerId: customer.dbId, userId: member.userId, change: "role" });
          await SessionService.renewTokens(ctx, uow, { kind: RefreshSubjectKind.USER, id: member.userId });
        },
        reply: async (_, { customer, member }) => ({ user: await PortalUsersService.member(ctx, customer.dbId, member.dbId) }),
      },
    );
  },

  /** Takes the login's access to this customer away; the login itself and its other customers stay. */
  remove(ctx: Context, customerGid: string, userGid: string): Promise<Outcome<{ ok: boolean }>> {
    return mutate(
      ctx,
      { rule: "manageUsers", load: PortalUsersService.target(ctx, customerGid, userGid) },
      {
        stepUp: true,
        write: async (uow, { customer, member: target }) => {
          const { member, lastAdmin } = memberIn(await lockMemberships(uow, customer.dbId), target.dbId);
          if (lastAdmin) refuse(UserErrorCode.LAST_ADMIN, LAST_ADMIN_MESSAGE, ["userId"]);
          await uow.tx.query("DELETE FROM memberships WHERE user_id = ? AND customer_id = ?", [member.userId, customer.dbId]);
          await uow.audit("user.removed", { userId: member.userId, email: target.email, role: member.role });
          await uow.emit("user-membership-changed", { customerId: customer.dbId, userId: member.userId, change: "removed" });
          await SessionService.renewTokens(ctx, uow, { kind: RefreshSubjectKind.USER, id: member.userId });
          return { ok: true };
        },
      },
    );
  },

  /**
   * Locks the login out: every session ends. Only for a login of this customer alone (another
   * customer's users must not lose their access through it): otherwise remove it instead.
   */
  disable(ctx: Context, customerGid: string, userGid: string): Promise<UserOutcome> {
    return mutate(
      ctx,
      { rule: "manageUsers", load: PortalUsersService.target(ctx, customerGid, userGid) },
      {
        stepUp: true,
        write: async (uow, { customer, member: target }) => {
          const { member, lastAdmin } = memberIn(await lockMemberships(uow, customer.dbId), target.dbId);
          if (target.status === PortalUserStatus.PENDING_EMAIL) {
            refuse(UserErrorCode.REMOVE_INSTEAD, "This login waits for the confirmation of its email; remove it instead", ["userId"]);
          }
          if (member.disabled) return;
          const [{ n }] = await uow.tx.query("SELECT COUNT(*) AS n FROM memberships WHERE user_id = ?", [member.userId]);
          if (Number(n) > 1) {
            refuse(UserErrorCode.REMOVE_INSTEAD, "This login also has access to other customers; remove it from this customer instead", [
              "userId",
            ]);
          }
          if (lastAdmin) refuse(UserErrorCode.LAST_ADMIN, LAST_ADMIN_MESSAGE, ["userId"]);
          await uow.tx.query("UPDATE users SET disabled_at = CURRENT_TIMESTAMP(3) WHERE id = ?", [member.userId]);
          // A pending login-email link would enable the login again when followed (login-emails.ts).
          await EmailChangeService.cancelPending(uow, EmailVerificationPurpose.LOGIN_EMAIL, member.userId);
          await uow.audit("user.disabled", { userId: member.userId, email: target.email });
          await uow.emit("user-membership-changed", { customerId: customer.dbId, userId: member.userId, change: "disabled" });
          await SessionService.endAll(ctx, uow, { kind: RefreshSubjectKind.USER, id: member.userId });
        },
        reply: async (_, { customer, member }) => ({ user: await PortalUsersService.member(ctx, customer.dbId, member.dbId) }),
      },
    );
  },

  /** Lets a disabled login sign in again. A login waiting for its email confirmation stays waiting. */
  enable(ctx: Context, customerGid: string, userGid: string): Promise<UserOutcome> {
    return mutate(
      ctx,
      { rule: "manageUsers", load: PortalUsersService.target(ctx, customerGid, userGid) },
      {
        stepUp: true,
        write: async (uow, { customer, member: target }) => {
          const { member } = memberIn(await lockMemberships(uow, customer.dbId), target.dbId);
          if (target.status === PortalUserStatus.PENDING_EMAIL) {
            refuse(UserErrorCode.INVALID_INPUT, "This login waits for the confirmation of its email, not for you", ["userId"]);
          }
          if (!member.disabled) return;
          await uow.tx.query("UPDATE users SET disabled_at = NULL WHERE id = ?", [member.userId]);
          await uow.audit("user.enabled", { userId: member.userId, email: target.email });
          await uow.emit("user-membership-changed", { customerId: customer.dbId, userId: member.userId, change: "enabled" });
        },
        reply: async (_, { customer, member }) => ({ user: await PortalUsersService.member(ctx, customer.dbId, member.dbId) }),
      },
    );
  },
};
