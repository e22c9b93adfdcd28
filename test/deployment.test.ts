import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { PRODUCTION_SELLER_VARIABLES } from "../src/config";
import { startNodeFlags } from "./support/node-flags";

// No Docker engine runs here, so the deployment files are checked as files: what they promise.
const ROOT = join(__dirname, "..", "..");

test("compose.yaml starts MySQL 8, Redis with noeviction and AOF, the API, a separate worker and Mailpit", () => {
  const compose = parse(readFileSync(join(ROOT, "compose.yaml"), "utf8"), { merge: true }); // compose uses YAML merge keys
  const services = compose.services;
  assert.deepEqual(Object.keys(services).sort(), ["api", "mailpit", "mysql", "redis", "worker"]);
  assert.match(services.mysql.image, /^mysql:8/);
  assert.ok(services.redis.command.includes("noeviction") && services.redis.command.includes("--appendonly"));
  assert.equal(services.api.environment.WORKERS_IN_PROCESS, "false");
  assert.deepEqual(services.worker.command, ["node", ...startNodeFlags(ROOT), "dist/workers/index.js"]);
  assert.equal(services.worker.environment.SMTP_URL, "smtp://mailpit:1025");
  assert.equal(services.api.environment.REDIS_URL, "redis://redis:6379");
  // Everything production refuses to start without is set, for the API and the worker alike.
  for (const service of [services.api, services.worker]) {
    for (const variable of [
      "PUBLIC_URL",
      "SMTP_URL",
      "JWT_SIGNING_KEY",
      "LINK_TOKEN_KEYS",
      "WEBAUTHN_ORIGINS",
      "TOTP_ENCRYPTION_KEYS",
      ...PRODUCTION_SELLER_VARIABLES,
      "METRICS_TOKEN",
    ])
      assert.ok(service.environment[variable], variable);
  }
});

test("the Dockerfile is a multi-stage build that runs as a non-root user", () => {
  const dockerfile = readFileSync(join(ROOT, "Dockerfile"), "utf8");
  assert.equal(dockerfile.match(/^FROM /gm)?.length, 2);
  assert.match(dockerfile, /^COPY --from=build /m);
  const user = /^USER (\S+)/m.exec(dockerfile)?.[1];
  assert.ok(user && user !== "root" && user !== "0", "runs as a non-root user");
  const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
  assert.deepEqual(cmd && JSON.parse(cmd), ["node", ...startNodeFlags(ROOT), "dist/src/main.js"]);
});

test("npm start, npm run workers, the image and compose's worker all size the heap alike and keep V8 from pretenuring", () => {
  // The cap keeps the memory after a load down (README, "Memory"); a way of starting Konto that
  // lost it would quietly grow to Node's default, a quarter of the machine's memory up to 4 GiB.
  // The young generation's size keeps a fan-out's messages from outliving it (README, "Fan-out").
  const flags = startNodeFlags(ROOT);
  assert.ok(
    flags.some((flag) => /^--max-old-space-size=\d+$/.test(flag)),
    `npm start caps the heap: ${flags.join(" ")}`,
  );
  assert.ok(
    flags.some((flag) => /^--max-semi-space-size=\d+$/.test(flag)),
    `npm start sizes the young generation: ${flags.join(" ")}`,
  );
  // A request's objects allocated straight into the old generation keep what they point to
  // alive through every young collection (README, "The heap is not pretenured").
  assert.ok(flags.includes("--no-allocation-site-pretenuring"), `npm start keeps V8 from pretenuring: ${flags.join(" ")}`);
  const scripts = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).scripts;
  assert.ok(scripts.workers.endsWith(`node ${flags.join(" ")} dist/workers/index.js`), scripts.workers);
});
