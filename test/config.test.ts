import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { describe, test } from "node:test";
import { ConfigError, loadConfig } from "../src/config";
import { PRODUCTION_SELLER as SELLER } from "./support/harness";

const MAIN = join(__dirname, "..", "src", "main.js");

describe("configuration", () => {
  test("defaults match the README", () => {
    const config = loadConfig({});
    assert.equal(config.databaseUrl, "mysql://root@127.0.0.1:3306/konto");
    assert.equal(config.redisUrl, "redis://127.0.0.1:6379");
    assert.equal(config.port, 4000);
    assert.equal(config.publicUrl, "http://localhost:4000");
    assert.equal(config.emailVerificationTtlMs, 7 * 24 * 3600 * 1000);
    assert.equal(config.jwt.accessTokenTtlMs, 15 * 60 * 1000);
    assert.equal(config.graphql.introspection, true);
    assert.equal(config.smtpUrl, undefined, "no relay: the development mailbox");
  });

  test("each invalid value names its variable", () => {
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ PORT: "eighty" }, "PORT", /integer/],
      [{ DATABASE_URL: "postgres://x/y" }, "DATABASE_URL", /mysql/],
      [{ DATABASE_URL: "mysql://root@127.0.0.1:3306" }, "DATABASE_URL", /database/],
      [{ REDIS_URL: "not a url" }, "REDIS_URL", /URL/],
      [{ EMAIL_VERIFICATION_TTL: "7 days" }, "EMAIL_VERIFICATION_TTL", /duration/],
      [{ SEED: "maybe" }, "SEED", /auto or none/],
      [{ MAIL_FROM: "nobody" }, "MAIL_FROM", /address/],
      [{ REDIS_SENTINELS: "sentinel-without-port" }, "REDIS_SENTINELS", /host:port/],
      [{ DATABASE_REPLICA_URLS: "mysql://r1/konto,http://r2" }, "DATABASE_REPLICA_URLS", /mysql/],
      [{ DATABASE_REPLICA_MAX_LAG: "3", DATABASE_REPLICA_OWN_WRITES_WINDOW: "3s" }, "DATABASE_REPLICA_OWN_WRITES_WINDOW", /at least/],
      [{ REDIS_CLUSTER_NODES: "node-without-port" }, "REDIS_CLUSTER_NODES", /host:port/],
      [{ REDIS_CLUSTER_NODES: "10.0.0.1:7000", REDIS_SENTINELS: "10.0.0.9:26379" }, "REDIS_CLUSTER_NODES", /exclude/],
      // BullMQ's scripts and Konto's MULTI/MGET/EVAL need all keys in one slot.
      [{ REDIS_CLUSTER_NODES: "10.0.0.1:7000,10.0.0.2:7000" }, "QUEUE_PREFIX", /hash tag such as \{konto\}/],
      [{ REDIS_CLUSTER_NODES: "10.0.0.1:7000", QUEUE_PREFIX: "konto{}" }, "QUEUE_PREFIX", /hash tag/],
      [{ PROVIDER_IBAN: "AT00 1234" }, "PROVIDER_IBAN", /IBAN/],
      [{ PANEL_URLS: "HOSTING=https://panel.example" }, "PANEL_URLS", /product type/],
      [{ PANEL_URLS: "SERVER=ftp://panel.example" }, "PANEL_URLS", /http/],
      [{ NODE_ENV: "production" }, "PUBLIC_URL", /required/],
      [
        { NODE_ENV: "production", PUBLIC_URL: "https://k.example", SMTP_URL: "smtp://relay.example" },
        "LINK_TOKEN_KEYS",
        /required in production/,
      ],
      [
        {
          NODE_ENV: "production",
          PUBLIC_URL: "https://k.example",
          SMTP_URL: "smtp://relay.example",
          LINK_TOKEN_KEYS: `k1:${Buffer.alloc(32, 1).toString("base64")}`,
          TOTP_ENCRYPTION_KEYS: `t1:${Buffer.alloc(32, 1).toString("base64")}`,
        },
        "WEBAUTHN_ORIGINS",
        /required in production/,
      ],
      [{ WEBAUTHN_ORIGINS: "https://portal.example.com/login" }, "WEBAUTHN_ORIGINS", /origins/],
      [{ WEBAUTHN_RP_ID: "https://example.com" }, "WEBAUTHN_RP_ID", /domain/],
      [
        {
          NODE_ENV: "production",
          PUBLIC_URL: "https://k.example",
          SMTP_URL: "smtp://relay.example",
          LINK_TOKEN_KEYS: `k1:${Buffer.alloc(32, 1).toString("base64")}`,
          WEBAUTHN_ORIGINS: "https://portal.example.com",
        },
        "TOTP_ENCRYPTION_KEYS",
        /required in production/,
      ],
      [{ TOTP_ENCRYPTION_KEYS: `t1:${Buffer.alloc(31, 1).toString("base64")}` }, "TOTP_ENCRYPTION_KEYS", /exactly 32 bytes/],
      [{ TOTP_ENCRYPTION_KEYS: "t1:x,t1:y" }, "TOTP_ENCRYPTION_KEYS", /32 bytes/],
      [{ LINK_TOKEN_KEYS: "k1:c2hvcnQ=" }, "LINK_TOKEN_KEYS", /at least 32 bytes/],
      [{ LINK_TOKEN_KEYS: "no-colon-here" }, "LINK_TOKEN_KEYS", /id:secret/],
      [{ DELIVERY_LEASE: "forever" }, "DELIVERY_LEASE", /duration/],
      [{ NODE_ENV: "production", PUBLIC_URL: "https://konto.example.com" }, "SMTP_URL", /required/],
      [{ SMTP_URL: "http://mail.example.com" }, "SMTP_URL", /smtp/],
      [{ PROVIDER_ADDRESS: "Beispielgasse 1, 1010 Wien" }, "PROVIDER_ADDRESS", /PROVIDER_STREET/],
      [{ PROVIDER_VAT_ID: "ATU12345678" }, "PROVIDER_VAT_ID", /check digit/],
      [{ PROVIDER_COUNTRY: "Austria" }, "PROVIDER_COUNTRY", /alpha-2/],
      [
        {
          NODE_ENV: "production",
          PUBLIC_URL: "https://k.example",
          SMTP_URL: "smtp://relay.example",
          LINK_TOKEN_KEYS: `k1:${Buffer.alloc(32, 1).toString("base64")}`,
          TOTP_ENCRYPTION_KEYS: `t1:${Buffer.alloc(32, 1).toString("base64")}`,
          WEBAUTHN_ORIGINS: "https://portal.example.com",
          PROVIDER_NAME: "Netz GmbH",
        },
        "PROVIDER_COUNTRY",
        /required in production/,
      ],
      [
        {
          NODE_ENV: "production",
          PUBLIC_URL: "https://k.example",
          SMTP_URL: "smtp://relay.example",
          LINK_TOKEN_KEYS: `k1:${Buffer.alloc(32, 1).toString("base64")}`,
          WEBAUTHN_ORIGINS: "https://portal.example.com",
          TOTP_ENCRYPTION_KEYS: `t1:${Buffer.alloc(32, 1).toString("base64")}`,
          ...SELLER,
        },
        "METRICS_TOKEN",
        /required in production/,
      ],
      [{ METRICS_TOKEN: "short" }, "METRICS_TOKEN", /at least 16/],
    ];
    for (const [env, variable, problem] of cases) {
      assert.throws(
        () => loadConfig(env),
        (error: unknown) => {
          assert.ok(error instanceof ConfigError);
          assert.equal(error.variable, variable);
          assert.match(error.message, problem);
          return true;
        },
      );
    }
  });

  test("LINK_TOKEN_KEYS: the first key derives new links, the others still derive the links they made", () => {
    const a = Buffer.alloc(32, 1).toString("base64");
    const b = Buffer.alloc(32, 2).toString("base64");
    const keys = loadConfig({ LINK_TOKEN_KEYS: `new:${a}, old:${b}` }).linkTokenKeys;
    assert.equal(keys.currentId, "new");
    assert.deepEqual([...keys.all.keys()], ["new", "old"]);
    assert.deepEqual(keys.all.get("old"), Buffer.alloc(32, 2));
  });

  test("DUNNING_LEVELS: three levels by default, none when the provider dunns in its accounting system", () => {
    assert.deepEqual(
      loadConfig({}).dunningLevels.map((l) => [l.days, l.feeCents]),
      [
        [7, 0],
        [21, 500],
        [35, 1000],
      ],
    );
    assert.deepEqual(loadConfig({ DUNNING_LEVELS: "none" }).dunningLevels, []);
    assert.throws(() => loadConfig({ DUNNING_LEVELS: "never" }), /DUNNING_LEVELS/);
  });

  test("PANEL_URLS maps product types to their panel's sign-in URL; none by default", () => {
    assert.deepEqual([...loadConfig({}).panelUrls], []);
    const urls = loadConfig({ PANEL_URLS: "WEB_HOSTING=https://hosting.example/sso/, SERVER=https://srv.example/login?x=1" }).panelUrls;
    assert.deepEqual(
      [...urls],
      [
        ["WEB_HOSTING", "https://hosting.example/sso"],
        ["SERVER", "https://srv.example/login?x=1"],
      ],
    );
  });

  test("EMAIL_VERIFICATION_TTL accepts seconds for tests and days for production", () => {
    assert.equal(loadConfig({ EMAIL_VERIFICATION_TTL: "2s" }).emailVerificationTtlMs, 2000);
    assert.equal(loadConfig({ EMAIL_VERIFICATION_TTL: "7d" }).emailVerificationTtlMs, 604_800_000);
  });

  test("npm start with a bad value stops with one line naming the variable", () => {
    const run = spawnSync(process.execPath, [MAIN], { env: { ...process.env, PORT: "http" }, encoding: "utf8", timeout: 20_000 });
    assert.equal(run.status, 1);
    assert.equal(run.stderr.trim().split("\n").length, 1);
    assert.match(run.stderr, /^Configuration error: PORT must be an integer/);
  });
});
