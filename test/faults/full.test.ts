import { test } from "node:test";
import { assertFaultReport, runNotificationFaults } from "./notifications-faults";

// `npm run test:faults`: the full run, about 10,000 messages.
test("notifications under faults, about 10,000 messages: none lost, duplicates only from the kill", { timeout: 40 * 60_000 }, async () => {
  assertFaultReport(await runNotificationFaults({ messages: 10_000 }), 9500);
});
