import { test } from "node:test";
import { assertFaultReport, runNotificationFaults } from "./faults/notifications-faults";

// A smaller run of the notifications fault test for `npm test`; `npm run test:faults` runs ~10,000.
test("notifications survive a killed worker, Redis and MariaDB restarts and an API restart: none lost, duplicates only from the kill", { timeout: 15 * 60_000 }, async () => {
  assertFaultReport(await runNotificationFaults({ messages: 2000 }), 2000);
});
