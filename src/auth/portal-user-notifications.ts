import { displayNameOf } from "../customers/customer.service";
import { deliveryKey, Outgoing } from "../notifications/deliveries";
import { Handlers, NotificationDeps } from "../notifications/processor";
import { PortalRole, renderUserInvitation, renderUserMembershipChanged } from "../notifications/templates";
import { localeOf } from "../notifications/templates/template";
import { linkToken, sha256 } from "../access/tokens";

const CUSTOMER_COLUMNS = "c.customer_number, c.email AS customer_email, c.locale, c.kind, c.company_name, c.first_name, c.last_name";

/** The worker side of portal users: invitation links, and the notices of every change to a customer's users. */
export function portalUserHandlers(deps: NotificationDeps): Pick<Handlers, "user-invitation" | "user-membership-changed"> {
  const { db, config, ledger } = deps;
  return {
    async "user-invitation"({ outboxId, payload, final }) {
      const [invitation] = await db.query(
        `SELECT i.id, i.email, i.role, i.invited_by, i.status, i.outbox_id, i.expires_at, ${CUSTOMER_COLUMNS}
         FROM invitations i JOIN customers c ON c.id = i.customer_id WHERE i.id = ?`,
        [payload.invitationId],
      );
      // A resend made a newer link (and killed this one); a cancelled or accepted invitation needs none.
      if (!invitation || invitation.status !== "PENDING" || String(invitation.outbox_id) !== outboxId) return { skipped: 1 };
      if (invitation.expires_at.getTime() <= Date.now()) return { skipped: 1 };
      const [login] = await db.query("SELECT id FROM users WHERE email = ?", [invitation.email]);
      // Derived from this mail's outbox id under the link key and stored (as its hash) only when
      // sent: every retry sends the same link, and the database alone yields no token.
      const link = async () => {
        const token = linkToken(config.linkTokenKeys, Buffer.from(`user-invitation:${outboxId}`), config.linkTokenKeys.currentId)!;
        await db.query("UPDATE invitations SET token_hash = ? WHERE id = ? AND outbox_id = ? AND status = 'PENDING'", [
          sha256(token),
          invitation.id,
          outboxId,
        ]);
        return `${config.portalUrl}/accept-invitation?token=${token}`;
      };
      const data = {
        customerName: displayNameOf(invitation),
        customerNumber: invitation.customer_number,
        role: invitation.role as PortalRole,
        invitedBy: invitation.invited_by,
        expiresAt: invitation.expires_at,
        existingLogin: !!login,
      };
      return ledger.deliver(
        outboxId,
        [
          {
            key: deliveryKey(`user-invitation:${outboxId}`, invitation.email),
            to: invitation.email,
            render: async () => renderUserInvitation({ ...data, link: await link() }, localeOf(invitation.locale)),
          },
        ],
        final,
      );
    },

    async "user-membership-changed"({ outboxId, payload, final }) {
      const [customer] = await db.query(`SELECT ${CUSTOMER_COLUMNS} FROM customers c WHERE c.id = ?`, [payload.customerId]);
      if (!customer) return { skipped: 1 };
      // Read now, not carried in the payload: the role a notice names is the one in force.
      const [concerned] =
        payload.change === "invited"
          ? await db.query("SELECT email, role FROM invitations WHERE id = ?", [payload.invitationId ?? 0])
          : await db.query(
              "SELECT u.email, m.role FROM users u LEFT JOIN memberships m ON m.user_id = u.id AND m.customer_id = ? WHERE u.id = ?",
              [payload.customerId, payload.userId ?? 0],
            );
      if (!concerned) return { skipped: 1 };
      const locale = localeOf(customer.locale);
      const notice = (toUser: boolean) => () =>
        renderUserMembershipChanged(
          {
            change: payload.change,
            customerName: displayNameOf(customer),
            customerNumber: customer.customer_number,
            userEmail: concerned.email,
            role: (concerned.role as PortalRole | null) ?? null,
            toUser,
          },
          locale,
        );
      const items: Outgoing[] = [
        {
          key: deliveryKey(`user-membership:${outboxId}:customer`, customer.customer_email),
          to: customer.customer_email,
          render: notice(false),
        },
      ];
      // The invitee hears from the invitation itself; one address that is both gets one notice.
      if (payload.change !== "invited" && concerned.email.toLowerCase() !== customer.customer_email.toLowerCase()) {
        items.push({ key: deliveryKey(`user-membership:${outboxId}:user`, concerned.email), to: concerned.email, render: notice(true) });
      }
      return ledger.deliver(outboxId, items, final);
    },
  };
}
