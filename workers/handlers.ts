import { passwordNotificationHandlers } from "../src/auth/password-notifications";
import { portalUserHandlers } from "../src/auth/portal-user-notifications";
import { recoveryHandlers } from "../src/auth/recovery.service";
import { secondFactorHandlers } from "../src/auth/second-factor-notifications";
import { changeRequestHandlers } from "../src/change-requests/change-request-notifications";
import { customerPasswordHandlers } from "../src/customers/customer-password";
import { invoiceHandlers } from "../src/invoices/invoice-notifications";
import { invoiceRunHandlers } from "../src/invoices/invoice-runs.service";
import { maintenanceHandlers } from "../src/maintenance/maintenance.service";
import { mergeHandlers } from "../src/merges/merge-notifications";
import { Handlers, NotificationDeps } from "../src/notifications/processor";
import { orderHandlers } from "../src/orders/order-notifications";
import { supportRequestHandlers } from "../src/support-requests/support-request-notifications";
import { verificationHandlers } from "../src/verifications/verification-notifications";
import { webhookHandlers } from "../src/webhooks/webhook-notifications";

/**
 * The handler of every topic of src/notifications/topics.ts, from the module that owns its rows.
 * `Handlers` lists every topic: a topic without a handler here does not compile.
 */
export function allHandlers(deps: NotificationDeps): Handlers {
  return {
    ...verificationHandlers(deps),
    ...recoveryHandlers(deps),
    ...passwordNotificationHandlers(deps),
    ...customerPasswordHandlers(deps),
    ...secondFactorHandlers(deps),
    ...portalUserHandlers(deps),
    ...secondFactorHandlers(deps),
    ...changeRequestHandlers(deps),
    ...supportRequestHandlers(deps),
    ...mergeHandlers(deps),
    ...orderHandlers(deps),
    ...invoiceHandlers(deps),
    ...invoiceRunHandlers(deps),
    ...maintenanceHandlers(deps),
    ...webhookHandlers(deps),
  };
}
