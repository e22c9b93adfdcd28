import { test } from "node:test";
import { assertFaultReport, runNotificationFaults } from "./faults/notifications-faults";

// A smaller run of the notifications fault test for `npm test`; `npm run test:faults` runs ~10,000.
test(
  "notifications survive a killed worker, Redis and MariaDB restarts and an API restart: none lost, duplicates only from the kill",
  { timeout: 15 * 60_000 },
  async () => {
    // A little over 2,000 asked for: notices come per announcement, so the count is approximate.
    assertFaultReport(await runNotificationFaults({ messages: 2100 }), 2000);
  },
);
