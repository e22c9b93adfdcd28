import { recoveryHandlers } from "../src/auth/recovery.service";
import { invoiceHandlers } from "../src/invoices/invoice-notifications";
import { maintenanceHandlers } from "../src/maintenance/maintenance.service";
import { Handlers, NotificationDeps } from "../src/notifications/processor";
import { selfServiceHandlers } from "../src/selfservice/selfservice-notifications";
import { verificationHandlers } from "../src/verifications/verification-notifications";

/**
 * The handler of every topic of src/notifications/topics.ts, from the module that owns its rows.
 * `Handlers` lists every topic: a topic without a handler here does not compile.
 */
export function allHandlers(deps: NotificationDeps): Handlers {
  return {
    ...verificationHandlers(deps),
    ...recoveryHandlers(deps),
    ...selfServiceHandlers(deps),
    ...invoiceHandlers(deps),
    ...maintenanceHandlers(deps),
  };
}
