import { displayNameOf } from "../customers/customer.service";
import { deliveryKey } from "../notifications/deliveries";
import { Handlers, NotificationDeps } from "../notifications/processor";
import { renderSupportConfirmation, renderSupportRequest } from "../notifications/templates";
import { localeOf } from "../notifications/templates/template";

/** The worker side of support requests: the request to the support team, a confirmation with the reference to the customer. */
export function supportRequestHandlers(deps: NotificationDeps): Pick<Handlers, "support-request"> {
  const { db, config, ledger } = deps;
  return {
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
  };
}
