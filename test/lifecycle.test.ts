import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { join } from "node:path";
import { describe, test } from "node:test";
import { dropDatabase } from "../src/platform/db";
import { DEMO_PASSWORD } from "../src/seed/demo-logins";
import { eventually, removeQueuePrefix, startTestApp, testEnv } from "./support/harness";

const MAIN = join(__dirname, "..", "src", "main.js");

describe("health", () => {
  test("/healthz answers, /readyz is 200 with database and Redis up and 503 when the database is gone", async () => {
    const t = await startTestApp({ WORKERS_IN_PROCESS: "false" });
    try {
      assert.deepEqual((await (await fetch(`${t.url}/healthz`)).json()) as any, { status: "ok" });
      // Ready once its Redis connection is up, which may be a moment after start on a busy machine.
      const ready = await eventually(
        async () => {
          const res = await fetch(`${t.url}/readyz`);
          return res.status === 200 ? res : undefined;
        },
        5000,
        "readiness",
      );
      assert.deepEqual(await ready.json(), { status: "ready", checks: { database: "ok", redis: "ok" } });
      await t.app.db.destroy();
      const down = await fetch(`${t.url}/readyz`);
      assert.equal(down.status, 503);
      assert.deepEqual(((await down.json()) as any).checks, { database: "down", redis: "ok" });
    } finally {
      await t.stop();
    }
  });

  test("/readyz is 503 when Redis cannot be reached", async () => {
    const t = await startTestApp({ WORKERS_IN_PROCESS: "false", REDIS_URL: "redis://127.0.0.1:1" });
    try {
      const res = await fetch(`${t.url}/readyz`);
      assert.equal(res.status, 503);
      assert.deepEqual(((await res.json()) as any).checks, { database: "ok", redis: "down" });
      // Liveness is not readiness: the process itself is fine.
      assert.equal((await fetch(`${t.url}/healthz`)).status, 200);
    } finally {
      t.app.redis.disconnect();
      await t.stop();
    }
  });
});

describe("npm start", () => {
  test("creates and migrates the database, seeds demo data, serves it, and exits 0 on SIGTERM after in-flight requests", async () => {
    const env = testEnv({ SEED: "auto", LOG_LEVEL: "info", SMTP_URL: "smtp://127.0.0.1:2" });
    const child = spawn(process.execPath, [MAIN], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    child.stderr.on("data", (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not listening: ${output}`)), 60_000);
        const poll = setInterval(() => {
          const match = /"url":"(http:\/\/[^"]+)\/graphql"/.exec(output);
          if (match) {
            clearInterval(poll);
            clearTimeout(timer);
            resolve(match[1]);
          }
        }, 50);
      });
      const gql = async (query: string, variables: object = {}, token?: string) =>
        fetch(`${url}/graphql`, {
          method: "POST",
          headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
          body: JSON.stringify({ query, variables }),
        });
      // A new user's first steps: log in with a demo login, read the own customer.
      const login = (await (
        await gql(`mutation($input: AuthLoginInput!) { authLogin(input: $input) { accessToken userErrors { code } } }`, {
          input: { email: "admin@alpenblick.at", password: DEMO_PASSWORD },
        })
      ).json()) as any;
      const token = login.data.authLogin.accessToken;
      assert.ok(token, JSON.stringify(login));
      const body = (await (await gql(`{ customers(first: 2) { totalCount nodes { customerNumber } } }`, {}, token)).json()) as any;
      assert.deepEqual(body.data.customers, { totalCount: 1, nodes: [{ customerNumber: "1000001" }] });

      // A request in flight when SIGTERM arrives still gets its answer.
      const inFlight = gql(
        `{ customers(first: 50) { nodes { contacts { email } products { nodes { plan } } invoices { nodes { lines { description } } } } } }`,
        {},
        token,
      );
      await new Promise((r) => setTimeout(r, 5));
      child.kill("SIGTERM");
      const answer = await inFlight;
      assert.equal(answer.status, 200);
      assert.equal(((await answer.json()) as any).data.customers.nodes.length, 1);
      assert.equal(await exited, 0);
      assert.match(output, /"msg":"stopped"/);
    } finally {
      child.kill("SIGKILL");
      await dropDatabase(env.DATABASE_URL);
      await removeQueuePrefix(env.REDIS_URL, env.QUEUE_PREFIX);
    }
  });
});
