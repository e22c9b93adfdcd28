import { displayNameOf } from "../customers/customer.service";
import { deliveryKey } from "../notifications/deliveries";
import { Handlers, NotificationDeps } from "../notifications/processor";
import {
  renderChangeRequestDecided,
  renderMergeDecided,
  renderSupportConfirmation,
  renderSupportRequest,
} from "../notifications/templates";
import { localeOf } from "../notifications/templates/template";

/** The worker side of the self-service topics: each reads its request row and the customers it names. */
export function selfServiceHandlers(
  deps: NotificationDeps,
): Pick<Handlers, "change-request-decided" | "support-request" | "merge-decided"> {
  const { db, config, ledger } = deps;
  return {
    async "change-request-decided"({ outboxId, payload, final }) {
      const [r] = await db.query(
        `SELECT r.id, r.status, r.reason, c.customer_number, c.email, c.locale FROM change_requests r JOIN customers c ON c.id = r.customer_id WHERE r.id = ?`,
        [payload.changeRequestId],
      );
      if (!r || r.status === "PENDING") return { skipped: 1 };
      const data = { customerNumber: r.customer_number, approved: r.status === "APPROVED", reason: r.reason ?? null };
      return ledger.deliver(
        outboxId,
        [
          {
            key: deliveryKey(`change-request:${r.id}`, r.email),
            to: r.email,
            render: () => renderChangeRequestDecided(data, localeOf(r.locale)),
          },
        ],
        final,
      );
    },

    async "support-request"({ outboxId, payload, final }) {
      const [r] = await db.query(
        `SELECT r.id, r.reference, r.subject, r.message, r.created_by, c.customer_number, c.kind, c.company_name, c.email, c.locale,
                c.first_name AS customer_first_name, c.last_name AS customer_last_name,
                r.product_id, k.first_name, k.last_name, k.phone, k.email AS contact_email
         FROM support_requests r JOIN customers c ON c.id = r.customer_id LEFT JOIN contacts k ON k.id = r.callback_contact_id WHERE r.id = ?`,
        [payload.supportRequestId],
      );
      if (!r) return { skipped: 1 };
      const request = {
        reference: r.reference,
        subject: r.subject,
        message: r.message,
        customerName: displayNameOf({ ...r, first_name: r.customer_first_name, last_name: r.customer_last_name }),
        customerNumber: r.customer_number,
        requestedBy: r.created_by,
        callbackContact: r.first_name
          ? { firstName: r.first_name, lastName: r.last_name, phone: r.phone ?? null, email: r.contact_email }
          : null,
        productId: r.product_id ?? null,
      };
      return ledger.deliver(
        outboxId,
        [
          // The support team reads German.
          {
            key: deliveryKey(`support:${r.reference}`, config.supportEmail),
            to: config.supportEmail,
            render: () => renderSupportRequest(request, "de"),
          },
          {
            key: deliveryKey(`support-confirmation:${r.reference}`, r.email),
            to: r.email,
            render: () => renderSupportConfirmation({ reference: r.reference, subject: r.subject }, localeOf(r.locale)),
          },
        ],
        final,
      );
    },

    async "merge-decided"({ outboxId, payload, final }) {
      const [m] = await db.query(
        `SELECT m.id, m.status, m.reason, a.customer_number AS target_number, a.email AS target_email, a.locale AS target_locale,
                b.customer_number AS source_number, b.email AS source_email, b.locale AS source_locale
         FROM merge_requests m JOIN customers a ON a.id = m.target_customer_id JOIN customers b ON b.id = m.source_customer_id WHERE m.id = ?`,
        [payload.mergeRequestId],
      );
      if (!m || (m.status !== "APPROVED" && m.status !== "REJECTED")) return { skipped: 1 };
      const data = {
        approved: m.status === "APPROVED",
        targetCustomerNumber: m.target_number,
        sourceCustomerNumber: m.source_number,
        reason: m.reason ?? null,
      };
      const sides = [
        { number: m.target_number, email: m.target_email, locale: m.target_locale },
        { number: m.source_number, email: m.source_email, locale: m.source_locale },
      ];
      return ledger.deliver(
        outboxId,
        sides.map((side) => ({
          key: deliveryKey(`merge:${m.id}:${side.number}`, side.email),
          to: side.email,
          render: () => renderMergeDecided({ ...data, recipientCustomerNumber: side.number }, localeOf(side.locale)),
        })),
        final,
      );
    },
  };
}
