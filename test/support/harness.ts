import "reflect-metadata";
import { generateKeyPairSync, randomBytes } from "node:crypto";
import { rmSync } from "node:fs";
import { AddressInfo, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { App, startApp } from "../../src/app";
import { Config, loadConfig } from "../../src/config";
import { dropDatabase } from "../../src/platform/db";
import { createLogger } from "../../src/platform/logger";
import { ANONYMOUS } from "../../src/platform/principal";
import { AuthenticatedPrincipal } from "../../src/access/tokens";
import { StaffRole } from "../../src/users/user.enums";
import { Mailbox } from "./mailbox";

export const MYSQL_SERVER = process.env.TEST_MYSQL_URL ?? "mysql://root@127.0.0.1:3306";
export const REDIS_URL = process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

export interface GqlResponse<T = any> {
  status: number;
  headers: Headers;
  body: { data?: T; errors?: { message: string; path?: string[]; extensions?: Record<string, any> }[] };
}

export interface TestApp {
  app: App;
  url: string;
  mailbox: Mailbox;
  config: Config;
  /** Runs a GraphQL request; as a staff ADMIN unless `headers.authorization` says otherwise ("" for anonymous). */
  gql<T = any>(query: string, variables?: Record<string, unknown>, headers?: Record<string, string>): Promise<GqlResponse<T>>;
  /** A real access token, signed by the app's key, for any principal. */
  tokenFor(principal: AuthenticatedPrincipal): Promise<string>;
  /** Headers that make `gql` run as this principal. */
  as(principal: AuthenticatedPrincipal): Promise<Record<string, string>>;
  stop(): Promise<void>;
}

export const STAFF_ADMIN: AuthenticatedPrincipal = {
  kind: "staff",
  userId: 1,
  role: StaffRole.ADMIN,
  label: "test staff admin",
  sessionId: null,
};

/** What a worker's unit of work runs with: the app's database and outbox, no caller. */
export const system = (t: TestApp) => ({ db: t.app.db, outbox: t.app.relay, principal: ANONYMOUS });

/** A unique name per test file run, so parallel runs never share a database or queue. */
export function uniqueName(kind: string): string {
  return `konto_${kind}_${process.pid}_${randomBytes(3).toString("hex")}`;
}

/** Environment for a test instance: its own database and BullMQ prefix, quiet logs, any free port. */
/** A complete seller, as production requires. */
export const PRODUCTION_SELLER = {
  PROVIDER_NAME: "Netz GmbH",
  PROVIDER_STREET: "Ring 1",
  PROVIDER_POSTAL_CODE: "1010",
  PROVIDER_CITY: "Wien",
  PROVIDER_COUNTRY: "AT",
  PROVIDER_VAT_ID: "ATU12345675",
  PROVIDER_REGISTRATION_ID: "FN 123456a",
  PROVIDER_IBAN: "AT611904300234573201",
  PROVIDER_EMAIL: "rechnung@netz.example",
  PROVIDER_CONTACT_NAME: "Buchhaltung",
  PROVIDER_PHONE: "+43 1 234",
  PROVIDER_SEPA_CREDITOR_ID: "AT98ZZZ00000000001",
};

export function testEnv(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    NODE_ENV: "test",
    DATABASE_URL: `${MYSQL_SERVER}/${uniqueName("test")}`,
    REDIS_URL,
    QUEUE_PREFIX: uniqueName("q"),
    PORT: "0",
    HOST: "127.0.0.1",
    SEED: "none",
    LOG_LEVEL: "silent",
    EXPOSE_SQL_COUNT: "true",
    JWT_DEV_KEY_FILE: join(tmpdir(), `${uniqueName("jwk")}.json`),
    // Below OWASP's minimum, only to keep the many logins of the tests fast (production refuses
    // it and gets the default); one test checks the production default (test/sessions.test.ts).
    ...(overrides.NODE_ENV === "production" ? PRODUCTION_SELLER : { PASSWORD_HASH_COST: "N=16384,r=8,p=1" }),
    ...overrides,
  };
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** A fresh ES256 private key in PKCS#8 PEM, as JWT_SIGNING_KEY takes it. */
export function signingKeyPem(): string {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return privateKey.export({ type: "pkcs8", format: "pem" }).toString();
}

/** Removes every key of a BullMQ prefix. */
export async function removeQueuePrefix(redisUrl: string, prefix: string): Promise<void> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1 });
  try {
    let cursor = "0";
    do {
      const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== "0");
  } finally {
    redis.disconnect();
  }
}

/**
 * Starts Konto in this process against the real MariaDB and Redis, with an SMTP sink.
 * `stop` shuts it down and removes its database and queue keys.
 * With `smtpSink: false` no sink is started and SMTP_URL is not set, so mail goes to the
 * development mailbox (`mailbox` then stays empty).
 */
export async function startTestApp(
  overrides: Record<string, string> = {},
  options: { acceptDelayMs?: number; logLines?: string[]; smtpSink?: boolean } = {},
): Promise<TestApp> {
  const mailbox = new Mailbox(options.acceptDelayMs);
  const withSink = options.smtpSink ?? true;
  const smtp: Record<string, string> = withSink ? { SMTP_URL: await mailbox.start() } : {};
  const stopSink = () => (withSink ? mailbox.stop() : Promise.resolve());
  // A fixed port, so that PUBLIC_URL (the links in emails) points at this instance.
  const port = await freePort();
  const env = testEnv({ ...smtp, PORT: String(port), PUBLIC_URL: `http://127.0.0.1:${port}`, ...overrides });
  let config: Config;
  let app: App;
  try {
    config = loadConfig(env);
  } catch (error) {
    await stopSink();
    throw error;
  }
  try {
    // With logLines, every line the app logs is kept there (as JSON text) for the test to read.
    const lines = options.logLines;
    const log = lines ? createLogger(config.logLevel, { write: (line: string) => void lines.push(line) }) : createLogger(config.logLevel);
    app = await startApp(config, log);
  } catch (error) {
    await stopSink();
    await dropDatabase(config.databaseUrl).catch(() => undefined);
    throw error;
  }
  const url = app.url;
  // Stamped with this host's clock, so that tokens can be made while the app's Redis is down.
  const tokenFor = async (principal: AuthenticatedPrincipal) => (await app.auth.tokens.sign(principal, Date.now() * 1000)).token;
  return {
    app,
    url,
    mailbox,
    config,
    tokenFor,
    async as(principal) {
      return { authorization: `Bearer ${await tokenFor(principal)}` };
    },
    async gql<T>(query: string, variables?: Record<string, unknown>, headers: Record<string, string> = {}): Promise<GqlResponse<T>> {
      // A fresh staff token per request: STAFF_ADMIN's user id is also a customer user's in seeded
      // databases, whose revocations must not refuse the tests' staff calls made after them.
      const { authorization = `Bearer ${await tokenFor(STAFF_ADMIN)}`, ...rest } = headers;
      const response = await fetch(`${url}/graphql`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}), ...rest },
        body: JSON.stringify({ query, variables }),
      });
      return { status: response.status, headers: response.headers, body: (await response.json()) as GqlResponse<T>["body"] };
    },
    async stop() {
      await app.stop().catch(() => undefined);
      await dropDatabase(config.databaseUrl);
      // The test Redis, even when this instance was pointed at an unreachable one.
      await removeQueuePrefix(REDIS_URL, config.queuePrefix);
      await stopSink();
      rmSync(config.jwt.devKeyFile, { force: true });
    },
  };
}

/**
 * Follows a confirmation link as a person does: opens the page, which shows the pending change,
 * and presses its button (a form POST). A page without a button (the link is used, expired or
 * unknown) is the answer itself.
 */
export async function confirmByLink(link: string): Promise<Response> {
  const page = await fetch(link);
  const text = await page.clone().text();
  const action = /<form method="post" action="([^"]+)"/.exec(text)?.[1];
  const token = /<input type="hidden" name="token" value="([^"]*)"/.exec(text)?.[1];
  if (!action || token === undefined) return page;
  return fetch(new URL(action, link), {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ token }),
  });
}

/** Polls until `check` returns a value that is not undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => Promise<T | undefined>, timeoutMs = 15_000, what = "condition"): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
