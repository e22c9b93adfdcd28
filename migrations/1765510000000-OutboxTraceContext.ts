import { MigrationInterface, QueryRunner } from "typeorm";

// The W3C trace context (traceparent) of the request that wrote an outbox row, so that the job
// that does the work continues the request's trace. NULL when tracing is off.
export class OutboxTraceContext1765510000000 implements MigrationInterface {
  name = "OutboxTraceContext1765510000000";

  async up(q: QueryRunner): Promise<void> {
    await q.query("ALTER TABLE outbox ADD COLUMN trace_context VARCHAR(100) NULL");
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query("ALTER TABLE outbox DROP COLUMN trace_context");
  }
}
