import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { SpanKind } from "@opentelemetry/api";
import { InMemorySpanExporter, ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { startTelemetry, Telemetry } from "../src/platform/telemetry-sdk";
import type { TestApp } from "./support/harness";

// OpenTelemetry with the in-memory exporter: a mutation's trace continues through its outbox row
// into the job and on to the SMTP send of its email. Tracing starts before the app and the
// libraries it traces are loaded, as src/tracing.ts does for `npm start`.
const exporter = new InMemorySpanExporter();
const telemetry: Telemetry = startTelemetry({ serviceName: "konto-test", exporter })!;
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { eventually, startTestApp } = require("./support/harness") as typeof import("./support/harness");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { seedDemoData } = require("../src/seed/demo-data") as typeof import("../src/seed/demo-data");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { toGlobalId } = require("../src/platform/global-id") as typeof import("../src/platform/global-id");

let t: TestApp;
before(async () => {
  t = await startTestApp();
  await seedDemoData(t.app.db, { customers: 2 });
});
after(async () => {
  await t?.stop();
  await telemetry.shutdown();
});

const parentOf = (span: ReadableSpan) =>
  (span as { parentSpanContext?: { spanId: string } }).parentSpanContext?.spanId ?? (span as { parentSpanId?: string }).parentSpanId;

test("a trace links a mutation to the SMTP send of its email, through the outbox row and the job", async () => {
  const [contact] = await t.app.db.query("SELECT id FROM contacts ORDER BY id LIMIT 1");
  const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
  const address = "traced.change@kunde.example";
  const res = await t.gql(
    `mutation($id: ID!, $email: EmailAddress!) { contactUpdate(contactId: $id, input: { email: $email }) { contact { pendingEmail } userErrors { code } } }`,
    { id: toGlobalId("Contact", contact.id), email: address },
    // The caller's trace: Konto's spans continue it.
    { traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
  );
  assert.deepEqual(res.body.data.contactUpdate.userErrors, []);
  await t.mailbox.waitFor((m) => m.envelopeTo.includes(address));
  // The job's span ends once its work is marked done, just after the send.
  await eventually(async () => {
    const [open] = await t.app.db.query("SELECT COUNT(*) AS n FROM outbox WHERE done_at IS NULL");
    return Number(open.n) === 0 ? true : undefined;
  });
  await telemetry.flush();

  const spans = exporter.getFinishedSpans().filter((s) => s.spanContext().traceId === traceId);
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  const named = (pattern: RegExp) => spans.filter((s) => pattern.test(s.name));
  const ancestors = (span: ReadableSpan) => {
    const chain: ReadableSpan[] = [];
    for (let parent = byId.get(parentOf(span) ?? ""); parent; parent = byId.get(parentOf(parent) ?? "")) chain.push(parent);
    return chain;
  };

  const server = spans.find((s) => s.kind === SpanKind.SERVER);
  assert.ok(server, `an HTTP server span; got ${spans.map((s) => s.name).join(", ")}`);
  const [operation] = named(/^graphql mutation/);
  assert.ok(operation, "a GraphQL operation span");
  assert.ok(ancestors(operation).includes(server!));
  assert.ok(
    spans.some((s) => s.attributes["db.system"] === "mysql" || s.attributes["db.system.name"] === "mysql"),
    "mysql2 statements are spans of the trace",
  );
  assert.ok(
    spans.some((s) => s.attributes["db.system"] === "redis" || s.attributes["db.system.name"] === "redis"),
    "ioredis commands are spans of the trace",
  );

  const [job] = named(/^job email-verification$/);
  assert.ok(job, "the job continues the request's trace (through the outbox row)");
  assert.ok(ancestors(job).includes(operation), "the job descends from the mutation");
  const [send] = named(/^smtp send$/);
  assert.ok(send, "the SMTP send is a span of the same trace");
  assert.equal(ancestors(send)[0], job);
  assert.ok(ancestors(send).includes(server!));
  assert.ok(!JSON.stringify(send.attributes).includes(address), "no address on the SMTP span");

  const [row] = await t.app.db.query("SELECT trace_context FROM outbox WHERE topic = 'email-verification' ORDER BY id DESC LIMIT 1");
  assert.match(row.trace_context, new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`));
});
