// The mutation benchmark (issue 25, target 5): `contactUpdate` with a new email, up to the commit
// of its verification and outbox rows, against a hand-written mysql2 floor doing the same writes
// in one transaction (mutation-floor.ts). run.ts calls it on the read benchmark's database after
// that Konto has stopped.
//
// Konto runs without in-process workers (WORKERS_IN_PROCESS=false) and on a queue prefix of its
// own: the relay still adds each verification's job to BullMQ after the commit, as the API always
// does, but no worker sends the emails meanwhile (the floor sends none either). Per round Konto
// (signed in afresh: an email change is a step-up change, STEP_UP_MAX_AGE) and then the floor
// take the same load: `connections` clients, each request a random contact and an address never
// used before. Every answer must be a success without userErrors. At the end one change through
// each is compared row by row: the verification, the superseded one before it, the outbox row and
// the audit entry must be alike (ids, addresses and times aside).

import type { DataSource } from "typeorm";
import type { Row } from "../../src/platform/rows";
import { Child } from "./children";
import { LoadResult, load, problemsOf } from "./load";
import { globalId } from "./queries";
import { StaffLogin, graphql, logIn } from "./staff";
import { median } from "./stats";

export interface MutationSettings {
  db: DataSource;
  staff: StaffLogin;
  startKonto: () => Promise<Child>;
  /** Another build of Konto (BENCH_BASELINE_DIST) measured in the same rounds, for an optimisation's before and after; null: none. */
  startBaseline: (() => Promise<Child>) | null;
  startFloor: (env: NodeJS.ProcessEnv) => Promise<Child>;
  /** Konto's LINK_TOKEN_KEYS and verification TTL, for the floor. */
  linkTokenKeys: string;
  emailVerificationTtlMs: number;
  connections: number;
  rounds: number;
  warmupSeconds: number;
  durationSeconds: number;
  stop: (child: Child) => Promise<void>;
  log: (message: string) => void;
  interrupted: () => boolean;
}

export interface MutationRound {
  konto: LoadResult;
  floor: LoadResult;
  ratio: number;
}

export interface MutationReport {
  contacts: number;
  rounds: MutationRound[];
  ratio: number;
  /** What the row check compared, and whether it found the rows alike. */
  rowCheck: { alike: boolean; differences: string[]; compared: string[] };
  /** Konto's statements for one change (the floor's: FLOOR_STATEMENTS). */
  kontoSql: number | null;
  /** Median latency of 20 changes sent one at a time through each. */
  singleClient: { kontoMs: number; floorMs: number };
  /** The baseline build's ratio to the same floor runs (BENCH_BASELINE_DIST). */
  baseline: { ratio: number; rounds: number[] } | null;
  problems: string[];
}

const UPDATE = `mutation BenchContactUpdate($contactId: ID!, $email: EmailAddress!) {
  contactUpdate(contactId: $contactId, input: { email: $email }) { contact { id pendingEmail } userErrors { code message } }
}`;

/** The floor's statements per change: the contact, START TRANSACTION, the seven of the transaction, COMMIT. */
const FLOOR_STATEMENTS = 10;

let sequence = 0;
/** An address no contact had before: the change is always a real one. */
const freshEmail = (server: string) => `m${process.pid}.${++sequence}.${Math.random().toString(36).slice(2, 8)}@${server}.mutation.example`;

/** The rows one email change wrote, as far as they must be alike between Konto and the floor. */
async function rowsOf(db: DataSource, contactId: number, email: string): Promise<Record<string, unknown>> {
  const [v] = await db.query(
    `SELECT v.id, v.customer_id = c.customer_id AS customer_matches, v.purpose, v.status, v.delivery_state, v.token_key_id,
            LENGTH(v.token_hash) AS hash_bytes, LENGTH(v.token_seed) AS seed_bytes, v.previous_email,
            ROUND(TIMESTAMPDIFF(SECOND, v.created_at, v.expires_at) / 3600) AS ttl_hours, v.last_sent_at, v.confirmed_at
       FROM email_verifications v JOIN contacts c ON c.id = v.target_id
      WHERE v.purpose = 'CONTACT_EMAIL' AND v.target_id = ? AND v.new_email = ?`,
    [contactId, email],
  );
  if (!v) return { verification: "missing" };
  const pending = await db.query(
    "SELECT COUNT(*) AS n FROM email_verifications WHERE purpose = 'CONTACT_EMAIL' AND target_id = ? AND status = 'PENDING'",
    [contactId],
  );
  const outbox = await db.query(
    "SELECT topic, payload, request_id IS NOT NULL AS has_request, trace_context, done_at FROM outbox WHERE topic = 'email-verification' AND JSON_VALUE(payload, '$.verificationId') = ?",
    [v.id],
  );
  const audit = await db.query(
    `SELECT a.customer_id = c.customer_id AS customer_matches, a.actor_kind, a.actor_id, a.actor_label, a.action, a.details, a.request_id IS NOT NULL AS has_request
       FROM audit_log a JOIN contacts c ON c.id = ?
      WHERE a.action = 'email.change.requested' AND JSON_VALUE(a.details, '$.newEmail') = ?`,
    [contactId, email],
  );
  const [contact] = await db.query("SELECT email, receives_invoices FROM contacts WHERE id = ?", [contactId]);
  const { id, ...verification } = v;
  // Ids, the address and the contact differ between the two changes by design: named, not compared.
  const normalise = (value: unknown, key = ""): unknown => {
    if ((key === "payload" || key === "details") && typeof value === "string") return normalise(JSON.parse(value));
    if (value === email) return "<email>";
    if (key === "verificationId" && Number(value) === Number(id)) return "<verification>";
    if (key === "targetId" && Number(value) === contactId) return "<contact>";
    if (value instanceof Date || value === null || typeof value !== "object") return value;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalise(v, k)]));
  };
  return {
    verification: normalise(verification),
    pendingOfTheContact: Number(pending[0].n),
    outbox: outbox.map((row: Row) => normalise(row)),
    audit: audit.map((row: Row) => normalise(row)),
    contactEmailUnchanged: contact.email !== email,
  };
}

export async function runMutation(s: MutationSettings): Promise<MutationReport> {
  const problems: string[] = [];
  const contactIds = ((await s.db.query("SELECT id FROM contacts ORDER BY id")) as { id: number }[]).map((r) => Number(r.id));
  const [actor] = await s.db.query("SELECT id, display_name, email FROM users WHERE email = ?", [s.staff.email]);
  const konto = await s.startKonto();
  const baseline = s.startBaseline ? await s.startBaseline() : null;
  const floor = await s.startFloor({
    LINK_TOKEN_KEYS: s.linkTokenKeys,
    EMAIL_VERIFICATION_TTL_MS: String(s.emailVerificationTtlMs),
    BENCH_ACTOR_ID: String(actor.id),
    // As Konto labels a staff actor (src/audit/audit.service.ts).
    BENCH_ACTOR_LABEL: `staff ${actor.display_name} <${actor.email}>`,
  });
  try {
    const run = async (server: Child, name: string, duration: number, token?: string) =>
      load({
        url: server.url,
        connections: s.connections,
        duration,
        headers: token ? { authorization: `Bearer ${token}` } : {},
        body: () =>
          JSON.stringify({
            operationName: "BenchContactUpdate",
            query: UPDATE,
            variables: {
              contactId: globalId("Contact", contactIds[Math.floor(Math.random() * contactIds.length)]),
              email: freshEmail(name),
            },
          }),
        verifyBody: (body) => body.includes('"userErrors":[]') && !body.includes('"errors":['),
      });

    const rounds: MutationRound[] = [];
    const baselineRounds: number[] = [];
    for (let round = 1; round <= s.rounds; round++) {
      // A fresh sign-in per round: the change needs one within STEP_UP_MAX_AGE.
      const token = await logIn(konto.url, s.staff);
      const measureKonto = async () => {
        if (round === 1) await run(konto, "konto", s.warmupSeconds, token);
        return run(konto, "konto", s.durationSeconds, token);
      };
      const measureBaseline = async (server: Child) => {
        const baseToken = await logIn(server.url, s.staff);
        if (round === 1) await run(server, "konto", s.warmupSeconds, baseToken);
        return run(server, "konto", s.durationSeconds, baseToken);
      };
      // With a baseline build the two Konto builds swap places every other round (Konto, floor,
      // baseline; then baseline, floor, Konto), so that neither always runs last.
      const baselineFirst = baseline && round % 2 === 0 ? await measureBaseline(baseline) : null;
      const k = await measureKonto();
      if (round === 1) await run(floor, "floor", s.warmupSeconds);
      const f = await run(floor, "floor", s.durationSeconds);
      if (baseline) {
        const b = baselineFirst ?? (await measureBaseline(baseline));
        baselineRounds.push(f.reqPerSec ? b.reqPerSec / f.reqPerSec : 0);
        s.log(
          `contactUpdate round ${round}: baseline ${b.reqPerSec.toFixed(1)}/s → ${baselineRounds[baselineRounds.length - 1].toFixed(2)} of the floor`,
        );
      }
      problems.push(...problemsOf("konto", `contactUpdate round ${round}`, k), ...problemsOf("floor", `contactUpdate round ${round}`, f));
      rounds.push({ konto: k, floor: f, ratio: f.reqPerSec ? k.reqPerSec / f.reqPerSec : 0 });
      s.log(
        `contactUpdate round ${round}: konto ${k.reqPerSec.toFixed(1)}/s (p99 ${k.p99Ms} ms), floor ${f.reqPerSec.toFixed(1)}/s ` +
          `(p99 ${f.p99Ms} ms) → ${rounds[rounds.length - 1].ratio.toFixed(2)}`,
      );
      if (s.interrupted()) throw new Error("interrupted");
    }

    // Statements per change as Konto counts them (EXPOSE_SQL_COUNT), and one client's latency through each.
    const probe = async (server: Child, name: string, bearer?: string) => {
      const started = performance.now();
      const response = await fetch(server.url, {
        method: "POST",
        headers: { "content-type": "application/json", ...(bearer ? { authorization: `Bearer ${bearer}` } : {}) },
        body: JSON.stringify({ query: UPDATE, variables: { contactId: globalId("Contact", contactIds[1]), email: freshEmail(name) } }),
      });
      await response.text();
      return { ms: performance.now() - started, sql: response.headers.get("x-sql-statements") };
    };
    const probeToken = await logIn(konto.url, s.staff);
    const single = { konto: [] as number[], floor: [] as number[] };
    let kontoSql: number | null = null;
    for (let i = 0; i < 20; i++) {
      const k = await probe(konto, "konto", probeToken);
      kontoSql = Number(k.sql);
      single.konto.push(k.ms);
      single.floor.push((await probe(floor, "floor")).ms);
    }
    const singleClient = { kontoMs: median(single.konto), floorMs: median(single.floor) };
    s.log(
      `contactUpdate one client at a time: konto ${singleClient.kontoMs.toFixed(1)} ms (${kontoSql} SQL statements), floor ${singleClient.floorMs.toFixed(1)} ms (${FLOOR_STATEMENTS})`,
    );

    // Row check: the same change of one contact through each, twice (the second supersedes the first).
    const [contactForKonto, contactForFloor] = [contactIds[0], contactIds[contactIds.length - 1]];
    const token = await logIn(konto.url, s.staff);
    const changeThrough = async (server: Child, name: string, contactId: number, bearer?: string) => {
      let email = "";
      for (let i = 0; i < 2; i++) {
        email = freshEmail(name);
        const data = await graphql(server.url, UPDATE, { contactId: globalId("Contact", contactId), email }, bearer);
        if (data.contactUpdate.userErrors.length)
          throw new Error(`${name} refused the change: ${JSON.stringify(data.contactUpdate.userErrors)}`);
      }
      return rowsOf(s.db, contactId, email);
    };
    const kontoRows = await changeThrough(konto, "konto", contactForKonto, token);
    const floorRows = await changeThrough(floor, "floor", contactForFloor);
    const differences: string[] = [];
    for (const part of Object.keys(kontoRows)) {
      const [k, f] = [JSON.stringify(kontoRows[part]), JSON.stringify(floorRows[part])];
      if (k !== f) differences.push(`${part}: konto ${k} | floor ${f}`);
    }
    if (differences.length) problems.push(`contactUpdate: the floor's rows differ from Konto's: ${differences.join("; ")}`);
    s.log(
      `contactUpdate rows: ${differences.length ? `DIFFER: ${differences.join("; ")}` : "Konto's and the floor's are alike"} (${JSON.stringify(kontoRows)})`,
    );

    return {
      contacts: contactIds.length,
      rounds,
      ratio: median(rounds.map((r) => r.ratio)),
      rowCheck: { alike: differences.length === 0, differences, compared: Object.keys(kontoRows) },
      kontoSql,
      singleClient,
      baseline: baselineRounds.length ? { ratio: median(baselineRounds), rounds: baselineRounds } : null,
      problems,
    };
  } finally {
    await s.stop(konto);
    if (baseline) await s.stop(baseline);
    await s.stop(floor);
  }
}

export function mutationLines(r: MutationReport): string[] {
  return [
    `mutation: contactUpdate with a new email (${r.contacts} contacts, a random one per request) until the commit of its rows, Konto ÷ mysql2 floor`,
    ...r.rounds.map(
      (x, i) =>
        `  round ${i + 1}: konto ${x.konto.reqPerSec.toFixed(1).padStart(7)}/s p50 ${x.konto.p50Ms} p99 ${x.konto.p99Ms} ms | ` +
        `floor ${x.floor.reqPerSec.toFixed(1).padStart(7)}/s p50 ${x.floor.p50Ms} p99 ${x.floor.p99Ms} ms | ${x.ratio.toFixed(2)}`,
    ),
    `  one client at a time: konto ${r.singleClient.kontoMs.toFixed(1)} ms (${r.kontoSql} SQL statements), floor ${r.singleClient.floorMs.toFixed(1)} ms (${FLOOR_STATEMENTS})`,
    ...(r.baseline
      ? [
          `  baseline build (BENCH_BASELINE_DIST), same floor runs: median ${r.baseline.ratio.toFixed(2)} (${r.baseline.rounds.map((x) => x.toFixed(2)).join(", ")})`,
        ]
      : []),
    `  median ${r.ratio.toFixed(2)}; rows of one change through each: ${r.rowCheck.alike ? "alike" : "DIFFERENT"} (${r.rowCheck.compared.join(", ")})`,
  ];
}
