import { createHash } from "node:crypto";
import { electronicFormatIBAN, isValidIBAN } from "ibantools";
import { vatIdProblem } from "./platform/vat-id";
import { meetsOwaspMinimum, OWASP_SCRYPT_COST, ScryptCost } from "./access/passwords";

// The one place where the environment is read. Every variable is documented in README.md
// ("Configuration"); a missing or invalid value stops start-up with one line naming it.

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    problem: string,
  ) {
    super(`${variable} ${problem}`);
    this.name = "ConfigError";
  }
}

export interface Config {
  nodeEnv: string;
  production: boolean;
  databaseUrl: string;
  databasePoolSize: number;
  /** Read replicas for GraphQL read queries; empty means everything goes to DATABASE_URL. */
  databaseReplicaUrls: string[];
  /** How replicas serve reads (src/platform/replicas.ts); used only with databaseReplicaUrls. */
  databaseReplicas: {
    /** A replica further behind (Seconds_Behind_Master) serves no reads (DATABASE_REPLICA_MAX_LAG). */
    maxLagSeconds: number;
    /** How often each process checks each replica (DATABASE_REPLICA_CHECK_INTERVAL). */
    checkIntervalMs: number;
    /** How long a caller's queries read the primary after its mutation (DATABASE_REPLICA_OWN_WRITES_WINDOW). */
    ownWritesWindowMs: number;
  };
  redisUrl: string;
  /** Sentinels (host:port) that name the Redis primary; REDIS_URL then only gives password and db. */
  redisSentinels: { host: string; port: number }[];
  redisSentinelName: string;
  /** Nodes (host:port) of a Redis Cluster to use instead of REDIS_URL's server; QUEUE_PREFIX then needs a hash tag. */
  redisClusterNodes: { host: string; port: number }[];
  queuePrefix: string;
  host: string;
  port: number;
  publicUrl: string;
  /** Base of links to pages the portal renders (password reset). */
  portalUrl: string;
  /** Whether X-Forwarded-For from a proxy in front is trusted for the client address. */
  trustProxy: boolean;
  /** The mail relay; unset (never in production) means the development mailbox at /dev/mailbox. */
  smtpUrl: string | undefined;
  mailFrom: string;
  /** Keys that confirmation links are derived with (LINK_TOKEN_KEYS); the first signs new links. */
  linkTokenKeys: LinkTokenKeys;
  /** Keys that TOTP secrets are encrypted with (TOTP_ENCRYPTION_KEYS); the first encrypts, all decrypt. */
  totpEncryptionKeys: EncryptionKeys;
  /** The issuer an authenticator app shows next to a TOTP entry (TOTP_ISSUER; PROVIDER_NAME by default). */
  totpIssuer: string;
  /** How long a process holds a delivery it is sending before another may take it over. */
  deliveryLeaseMs: number;
  /** Milliseconds a confirmation link stays valid. */
  emailVerificationTtlMs: number;
  jwt: {
    issuer: string;
    audience: string;
    /** Private signing key (PKCS#8 PEM); when absent a development key file is used. */
    signingKeyPem: string | undefined;
    signingKeyId: string | undefined;
    /** JSON array of public JWKs of retired keys that still verify. */
    retiredPublicKeys: string | undefined;
    devKeyFile: string;
    accessTokenTtlMs: number;
  };
  /** scrypt's cost for new password hashes (PASSWORD_HASH_COST); OWASP's minimum by default. */
  passwordHashCost: ScryptCost;
  /**
   * Whether each request checks Redis for revoked sessions (REVOCATION_CHECK). Off only to
   * measure what the check costs (`npm run bench`); start-up warns loudly when it is off.
   */
  revocationCheck: boolean;
  /** How long each process decides from its mirror of the revocations while Redis cannot answer. */
  revocationOutageGraceMs: number;
  /** How old a sign-in may be for a sensitive change (step-up); older gets REAUTHENTICATION_REQUIRED. */
  stepUpMaxAgeMs: number;
  /** Whether staff logins need a second factor (STAFF_REQUIRE_SECOND_FACTOR): on in production by default. */
  staffRequireSecondFactor: boolean;
  seed: "auto" | "none";
  logLevel: string;
  exposeSqlCount: boolean;
  workersInProcess: boolean;
  graphql: { maxDepth: number; maxAliases: number; maxCost: number; introspection: boolean; jitCacheSize: number };
  /**
   * The performance levers (README, "Performance"). All are on; PERF_LEVERS_OFF names any to
   * switch off, so that `npm run bench` can show what each one gains. None changes an answer.
   */
  levers: Record<Lever, boolean>;
  shutdownTimeoutMs: number;
  /** How long a worker holds a job before another may take it over (a crashed worker's job). */
  workerLockMs: number;
  /** How often each worker process re-adds outbox rows left undispatched. */
  outboxSweepMs: number;
  /** Batches of maintenance notices sent at once per worker process. */
  noticeConcurrency: number;
  /** Maintenance notices per job; a batch is read, marked and sent together. */
  noticeBatchSize: number;
  /** SMTP connections per worker process (nodemailer's pool). */
  smtpPoolSize: number;
  /** Dunning levels in order: days after the due date, and the fee (cents) billed with it; the last is the final notice. */
  dunningLevels: DunningLevel[];
  /** The support team's mailbox; support requests are emailed there. */
  supportEmail: string;
  /**
   * Trusted documents: only registered GraphQL documents run (TRUSTED_DOCUMENTS_ONLY), except for
   * staff and reseller API clients; the portal build's manifest registered at start-up (TRUSTED_DOCUMENTS_FILE).
   */
  trustedDocuments: { only: boolean; file: string | undefined };
  /** Where uploaded files live: null keeps them in MySQL (any number of API processes), a path in that directory (one node). */
  documentsDir: string | null;
  /** The largest file an upload may carry, in bytes. */
  uploadMaxBytes: number;
  /** How many years the invoices of a closed customer are kept before the retention job deletes them. */
  invoiceRetentionYears: number;
  /** Bearer token that /metrics requires; required in production, open when unset elsewhere. */
  metricsToken: string | undefined;
  /** Basic-auth login for /admin/queues, besides staff ADMIN tokens. */
  dashboardUser: string | undefined;
  dashboardPassword: string | undefined;
  /**
   * Passkeys (WebAuthn): the relying-party id that credentials are bound to (a domain the portals'
   * origins share), the name authenticators show, and the exact origins a ceremony may come from.
   */
  webauthn: { rpId: string; rpName: string; origins: string[] };
  /** OpenTelemetry traces: off unless an OTLP endpoint is set (OTEL_EXPORTER_OTLP_ENDPOINT). */
  telemetry: { endpoint: string | undefined; serviceName: string };
  /** The control panel of each product type that has one: where a panel sign-in link points (PANEL_URLS). */
  panelUrls: Map<string, string>;
  /** Signed webhooks (README, "Webhooks"). */
  webhooks: {
    /** Keys that signing secrets are encrypted with (WEBHOOK_ENCRYPTION_KEYS, else TOTP_ENCRYPTION_KEYS). */
    encryptionKeys: EncryptionKeys;
    /** Tries per delivery, with exponential backoff from `retryDelayMs`. */
    attempts: number;
    retryDelayMs: number;
    /** Deliveries that failed for good in a row before a subscription is disabled (and its owner told). */
    disableAfter: number;
    /** How long the previous secret still signs after a rotation. */
    secretOverlapMs: number;
    /** How long a receiver may take to answer. */
    timeoutMs: number;
  };
  /** The provider: the seller on invoices and e-invoices, and its account for bank transfers. */
  provider: Seller;
}

/** The seller of every invoice (EN 16931 BG-4, BG-5, BG-6), from structured PROVIDER_* variables. */
export interface Seller {
  name: string;
  street: string;
  postalCode: string;
  city: string;
  /** ISO 3166 alpha-2, e.g. AT. */
  countryCode: string;
  vatId: string;
  /** The company register entry (BT-30), e.g. "FN 123456a" (Firmenbuch) or "HRB 12345 München". */
  registrationId: string;
  iban: string;
  bic: string;
  /** Accounting contact (BT-41 to BT-43): a person or department, its phone and email. */
  contactName: string;
  phone: string;
  email: string;
  /** Where buyers send e-invoices and questions about them (BT-34, scheme EM: an email address). */
  electronicAddress: string;
  /** SEPA creditor identifier (BT-90), printed with direct debits. */
  sepaCreditorId: string;
}

export interface LinkTokenKeys {
  currentId: string;
  all: Map<string, Buffer>;
}

/** AES-256 keys by id: `currentId` encrypts, every listed key decrypts what it encrypted (rotation). */
export interface EncryptionKeys {
  currentId: string;
  all: Map<string, Buffer>;
}

type Env = Record<string, string | undefined>;

export const LEVERS = ["jit", "simple-resolvers", "projection"] as const;
export type Lever = (typeof LEVERS)[number];

const DURATION = /^(\d+)(ms|s|m|h|d)$/;
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

export function parseDuration(variable: string, raw: string): number {
  const match = DURATION.exec(raw.trim());
  if (!match || Number(match[1]) <= 0) {
    throw new ConfigError(variable, `must be a positive duration such as 90s, 15m, 12h or 7d (got "${raw}")`);
  }
  return Number(match[1]) * UNIT_MS[match[2]];
}

export function loadConfig(env: Env = process.env): Config {
  const nodeEnv = env.NODE_ENV?.trim() || "development";
  const production = nodeEnv === "production";

  const text = (name: string, fallback: string | undefined): string => {
    const value = env[name]?.trim();
    if (value) return value;
    if (fallback === undefined) throw new ConfigError(name, "is required but not set");
    return fallback;
  };
  const optional = (name: string): string | undefined => env[name]?.trim() || undefined;
  const int = (name: string, fallback: number, min: number, max: number): number => {
    const raw = text(name, String(fallback));
    const value = Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) {
      throw new ConfigError(name, `must be an integer from ${min} to ${max} (got "${raw}")`);
    }
    return value;
  };
  const bool = (name: string, fallback: boolean): boolean => {
    const raw = text(name, String(fallback)).toLowerCase();
    if (["1", "true", "yes", "on"].includes(raw)) return true;
    if (["0", "false", "no", "off"].includes(raw)) return false;
    throw new ConfigError(name, `must be true or false (got "${raw}")`);
  };
  const checkUrl = (name: string, raw: string, protocols: string[]): string => {
    let parsed: URL;
    try {
      parsed = new URL(raw);
    } catch {
      throw new ConfigError(name, `must be a URL (got "${redactUrl(raw)}")`);
    }
    if (!protocols.includes(parsed.protocol)) {
      throw new ConfigError(name, `must use ${protocols.join(" or ")} (got "${parsed.protocol}")`);
    }
    return raw.replace(/\/+$/, "");
  };
  const url = (name: string, fallback: string | undefined, protocols: string[]): string => checkUrl(name, text(name, fallback), protocols);

  const port = int("PORT", 4000, 0, 65535); // 0 picks a free port (tests)
  // In production these have no safe default: links and mail must point at the real deployment.
  const publicUrl = url("PUBLIC_URL", production ? undefined : `http://localhost:${port}`, ["http:", "https:"]);
  const databaseUrl = url("DATABASE_URL", "mysql://root@127.0.0.1:3306/konto", ["mysql:", "mariadb:"]);
  if (!new URL(databaseUrl).pathname.replace(/^\//, "")) {
    throw new ConfigError("DATABASE_URL", "must name a database, e.g. mysql://root@127.0.0.1:3306/konto");
  }
  const seed = text("SEED", "auto");
  if (seed !== "auto" && seed !== "none") throw new ConfigError("SEED", `must be auto or none (got "${seed}")`);
  const logLevel = text("LOG_LEVEL", "info");
  if (!["fatal", "error", "warn", "info", "debug", "trace", "silent"].includes(logLevel)) {
    throw new ConfigError("LOG_LEVEL", `must be one of fatal, error, warn, info, debug, trace, silent (got "${logLevel}")`);
  }
  const mailFrom = text("MAIL_FROM", "Konto <no-reply@konto.localhost>");
  if (!/^[^<>]*<?[^\s@<>]+@[^\s@<>]+>?$/.test(mailFrom)) {
    throw new ConfigError("MAIL_FROM", `must be an address such as "Konto <no-reply@example.com>" (got "${mailFrom}")`);
  }

  const hostPorts = (name: string) =>
    (optional(name) ?? "")
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean)
      .map((entry) => {
        const match = /^([^\s:]+):(\d{1,5})$/.exec(entry);
        if (!match) throw new ConfigError(name, `must list host:port entries (got "${entry}")`);
        return { host: match[1], port: Number(match[2]) };
      });
  const redisClusterNodes = hostPorts("REDIS_CLUSTER_NODES");
  if (redisClusterNodes.length && optional("REDIS_SENTINELS")) {
    throw new ConfigError("REDIS_CLUSTER_NODES", "and REDIS_SENTINELS exclude each other: set one of them");
  }
  const queuePrefix = text("QUEUE_PREFIX", "konto");
  if (redisClusterNodes.length && !hasHashTag(queuePrefix)) {
    throw new ConfigError(
      "QUEUE_PREFIX",
      `must contain a hash tag such as {konto} when REDIS_CLUSTER_NODES is set, so that all of Konto's keys share one cluster slot (got "${queuePrefix}")`,
    );
  }
  const databaseReplicas = () => {
    const maxLagSeconds = int("DATABASE_REPLICA_MAX_LAG", 2, 0, 3600);
    const checkIntervalMs = parseDuration("DATABASE_REPLICA_CHECK_INTERVAL", text("DATABASE_REPLICA_CHECK_INTERVAL", "1s"));
    const ownWritesWindowMs = parseDuration("DATABASE_REPLICA_OWN_WRITES_WINDOW", text("DATABASE_REPLICA_OWN_WRITES_WINDOW", "5s"));
    // A replica that serves is at most maxLag behind as of its last check: a write is on it by then.
    if (ownWritesWindowMs < maxLagSeconds * 1000 + checkIntervalMs) {
      throw new ConfigError(
        "DATABASE_REPLICA_OWN_WRITES_WINDOW",
        `must be at least DATABASE_REPLICA_MAX_LAG plus DATABASE_REPLICA_CHECK_INTERVAL (${maxLagSeconds * 1000 + checkIntervalMs} ms), or callers may not read their own writes`,
      );
    }
    return { maxLagSeconds, checkIntervalMs, ownWritesWindowMs };
  };

  const providerName = text("PROVIDER_NAME", "Konto Demo Provider GmbH");
  // Read in the order of the variables below, so that the first missing one is the one named.
  let totpEncryptionKeys: EncryptionKeys;

  return {
    nodeEnv,
    production,
    databaseUrl,
    databasePoolSize: int("DATABASE_POOL_SIZE", 10, 1, 500),
    databaseReplicaUrls: (optional("DATABASE_REPLICA_URLS") ?? "")
      .split(",")
      .map((u) => u.trim())
      .filter(Boolean)
      .map((u) => checkUrl("DATABASE_REPLICA_URLS", u, ["mysql:", "mariadb:"])),
    redisUrl: url("REDIS_URL", "redis://127.0.0.1:6379", ["redis:", "rediss:"]),
    databaseReplicas: databaseReplicas(),
    redisSentinels: hostPorts("REDIS_SENTINELS"),
    redisSentinelName: text("REDIS_SENTINEL_NAME", "mymaster"),
    redisClusterNodes,
    queuePrefix,
    host: text("HOST", "0.0.0.0"),
    port,
    publicUrl,
    portalUrl: url("PORTAL_URL", publicUrl, ["http:", "https:"]),
    trustProxy: bool("TRUST_PROXY", false),
    // Required in production; elsewhere unset keeps mail in the development mailbox instead of
    // trying a relay that is not there.
    smtpUrl: production || optional("SMTP_URL") ? url("SMTP_URL", undefined, ["smtp:", "smtps:"]) : undefined,
    mailFrom,
    linkTokenKeys: linkTokenKeys(optional("LINK_TOKEN_KEYS"), production),
    totpEncryptionKeys: (totpEncryptionKeys = encryptionKeys("TOTP_ENCRYPTION_KEYS", optional("TOTP_ENCRYPTION_KEYS"), production)),
    totpIssuer: text("TOTP_ISSUER", providerName),
    deliveryLeaseMs: parseDuration("DELIVERY_LEASE", text("DELIVERY_LEASE", "30s")),
    emailVerificationTtlMs: parseDuration("EMAIL_VERIFICATION_TTL", text("EMAIL_VERIFICATION_TTL", "7d")),
    jwt: {
      issuer: text("JWT_ISSUER", publicUrl),
      audience: text("JWT_AUDIENCE", "konto"),
      signingKeyPem: optional("JWT_SIGNING_KEY"),
      signingKeyId: optional("JWT_KEY_ID"),
      retiredPublicKeys: optional("JWT_RETIRED_PUBLIC_KEYS"),
      devKeyFile: text("JWT_DEV_KEY_FILE", ".konto/dev-signing-key.json"),
      accessTokenTtlMs: parseDuration("ACCESS_TOKEN_TTL", text("ACCESS_TOKEN_TTL", "15m")),
    },
    passwordHashCost: scryptCost(optional("PASSWORD_HASH_COST"), production),
    revocationCheck: bool("REVOCATION_CHECK", true),
    stepUpMaxAgeMs: parseDuration("STEP_UP_MAX_AGE", text("STEP_UP_MAX_AGE", "5m")),
    staffRequireSecondFactor: bool("STAFF_REQUIRE_SECOND_FACTOR", production),
    revocationOutageGraceMs: parseDuration("REVOCATION_OUTAGE_GRACE", text("REVOCATION_OUTAGE_GRACE", "5m")),
    seed,
    logLevel,
    exposeSqlCount: bool("EXPOSE_SQL_COUNT", false),
    workersInProcess: bool("WORKERS_IN_PROCESS", true),
    graphql: {
      maxDepth: int("GRAPHQL_MAX_DEPTH", 10, 2, 50),
      maxAliases: int("GRAPHQL_MAX_ALIASES", 15, 0, 1000),
      maxCost: int("GRAPHQL_MAX_COST", 100_000, 100, 10_000_000),
      introspection: !production,
      jitCacheSize: int("GRAPHQL_JIT_CACHE_SIZE", 500, 1, 100_000),
    },
    levers: levers(text("PERF_LEVERS_OFF", "")),
    trustedDocuments: { only: bool("TRUSTED_DOCUMENTS_ONLY", false), file: optional("TRUSTED_DOCUMENTS_FILE") },
    shutdownTimeoutMs: parseDuration("SHUTDOWN_TIMEOUT", text("SHUTDOWN_TIMEOUT", "10s")),
    workerLockMs: parseDuration("WORKER_LOCK_DURATION", text("WORKER_LOCK_DURATION", "10s")),
    outboxSweepMs: parseDuration("OUTBOX_SWEEP_INTERVAL", text("OUTBOX_SWEEP_INTERVAL", "10s")),
    noticeConcurrency: int("NOTICE_CONCURRENCY", 4, 1, 100),
    noticeBatchSize: int("NOTICE_BATCH_SIZE", 50, 1, 1000),
    smtpPoolSize: int("SMTP_POOL_SIZE", 10, 1, 100),
    dunningLevels: dunningLevels(text("DUNNING_LEVELS", "7:0,21:500,35:1000")),
    supportEmail: text("SUPPORT_EMAIL", "support@provider.example"),
    documentsDir: optional("DOCUMENTS_DIR") ?? null,
    // MariaDB's default max_allowed_packet is 16 MiB: a file in the MySQL store must fit one packet.
    uploadMaxBytes: int("UPLOAD_MAX_BYTES", 10 * 1024 * 1024, 1024, 15 * 1024 * 1024),
    invoiceRetentionYears: int("INVOICE_RETENTION_YEARS", 10, 1, 100),
    dashboardUser: optional("ADMIN_DASHBOARD_USER"),
    dashboardPassword: optional("ADMIN_DASHBOARD_PASSWORD"),
    panelUrls: panelUrls(optional("PANEL_URLS"), checkUrl),
    webauthn: webauthn(env, production, publicUrl, url("PORTAL_URL", publicUrl, ["http:", "https:"])),
    telemetry: {
      endpoint: optional("OTEL_EXPORTER_OTLP_ENDPOINT") ? url("OTEL_EXPORTER_OTLP_ENDPOINT", undefined, ["http:", "https:"]) : undefined,
      serviceName: text("OTEL_SERVICE_NAME", "konto"),
    },
    webhooks: {
      encryptionKeys: optional("WEBHOOK_ENCRYPTION_KEYS")
        ? encryptionKeys("WEBHOOK_ENCRYPTION_KEYS", optional("WEBHOOK_ENCRYPTION_KEYS"), production)
        : totpEncryptionKeys,
      attempts: int("WEBHOOK_ATTEMPTS", 8, 1, 50),
      retryDelayMs: parseDuration("WEBHOOK_RETRY_DELAY", text("WEBHOOK_RETRY_DELAY", "10s")),
      disableAfter: int("WEBHOOK_DISABLE_AFTER", 10, 1, 10_000),
      secretOverlapMs: parseDuration("WEBHOOK_SECRET_OVERLAP", text("WEBHOOK_SECRET_OVERLAP", "24h")),
      timeoutMs: parseDuration("WEBHOOK_TIMEOUT", text("WEBHOOK_TIMEOUT", "10s")),
    },
    provider: seller(env, production, providerName, text),
    // Last, so that the variables checked before it keep their errors' order.
    metricsToken: metricsToken(optional("METRICS_TOKEN"), production),
  };
}

/** What production requires of the seller (PROVIDER_BIC and PROVIDER_ELECTRONIC_ADDRESS are optional). */
export const PRODUCTION_SELLER_VARIABLES = [
  "PROVIDER_NAME",
  "PROVIDER_STREET",
  "PROVIDER_POSTAL_CODE",
  "PROVIDER_CITY",
  "PROVIDER_COUNTRY",
  "PROVIDER_VAT_ID",
  "PROVIDER_REGISTRATION_ID",
  "PROVIDER_IBAN",
  "PROVIDER_EMAIL",
  "PROVIDER_CONTACT_NAME",
  "PROVIDER_PHONE",
  "PROVIDER_SEPA_CREDITOR_ID",
] as const;

/**
 * The seller's data, one variable a field. Development has a demo provider in Wien; production
 * requires every field, so that no invoice goes out without a complete seller.
 */
function seller(env: Env, production: boolean, name: string, text: (name: string, fallback: string | undefined) => string): Seller {
  if (env.PROVIDER_ADDRESS?.trim()) {
    throw new ConfigError("PROVIDER_ADDRESS", "is replaced by PROVIDER_STREET, PROVIDER_POSTAL_CODE, PROVIDER_CITY and PROVIDER_COUNTRY");
  }
  const field = (variable: (typeof PRODUCTION_SELLER_VARIABLES)[number], demo: string) => {
    if (production && !env[variable]?.trim()) throw new ConfigError(variable, "is required in production (the seller on every invoice)");
    return text(variable, demo);
  };
  if (production && !env.PROVIDER_NAME?.trim())
    throw new ConfigError("PROVIDER_NAME", "is required in production (the seller on every invoice)");
  const countryCode = field("PROVIDER_COUNTRY", "AT").toUpperCase();
  if (!/^[A-Z]{2}$/.test(countryCode))
    throw new ConfigError("PROVIDER_COUNTRY", `must be an ISO 3166 alpha-2 code such as AT (got "${countryCode}")`);
  const vatId = field("PROVIDER_VAT_ID", "ATU12345675")
    .replace(/[\s.-]/g, "")
    .toUpperCase();
  const vatProblem = vatIdProblem(vatId);
  if (vatProblem) throw new ConfigError("PROVIDER_VAT_ID", `${vatProblem} (got "${vatId}")`);
  const email = field("PROVIDER_EMAIL", "buchhaltung@provider.example");
  return {
    name,
    street: field("PROVIDER_STREET", "Beispielgasse 1"),
    postalCode: field("PROVIDER_POSTAL_CODE", "1010"),
    city: field("PROVIDER_CITY", "Wien"),
    countryCode,
    vatId,
    registrationId: field("PROVIDER_REGISTRATION_ID", "FN 123456a"),
    iban: iban("PROVIDER_IBAN", field("PROVIDER_IBAN", "AT611904300234573201")),
    bic: text("PROVIDER_BIC", "BKAUATWW"),
    contactName: field("PROVIDER_CONTACT_NAME", "Buchhaltung"),
    phone: field("PROVIDER_PHONE", "+43 1 2345678"),
    email,
    electronicAddress: text("PROVIDER_ELECTRONIC_ADDRESS", email),
    sepaCreditorId: field("PROVIDER_SEPA_CREDITOR_ID", "AT98ZZZ00000000001"),
  };
}

const PANEL_PRODUCT_TYPES = ["WEB_HOSTING", "DOMAIN", "SERVER", "MAIL", "VOIP", "INTERNET_LINE", "MOBILE"];

/** `WEB_HOSTING=https://panel.example/sso,SERVER=https://…`: a product type and its panel's sign-in URL. */
function panelUrls(raw: string | undefined, checkUrl: (name: string, raw: string, protocols: string[]) => string): Map<string, string> {
  const urls = new Map<string, string>();
  for (const entry of (raw ?? "")
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean)) {
    const at = entry.indexOf("=");
    const type = entry.slice(0, at).trim();
    if (at < 1 || !PANEL_PRODUCT_TYPES.includes(type)) {
      throw new ConfigError(
        "PANEL_URLS",
        `must list TYPE=URL entries with a product type of ${PANEL_PRODUCT_TYPES.join(", ")} (got "${entry}")`,
      );
    }
    urls.set(type, checkUrl("PANEL_URLS", entry.slice(at + 1).trim(), ["http:", "https:"]));
  }
  return urls;
}

/** `N=32768,r=8,p=3`; below OWASP's minimum only outside production (tests lower it to run faster). */
export interface DunningLevel {
  /** Days after the due date. */
  days: number;
  /** Fee in cents, billed as an invoice of its own; 0 for none. */
  feeCents: number;
}

/**
 * `days:fee,days:fee…`, e.g. `7:0,21:500,35:1000`: each level later than the one before; `none`
 * when the provider dunns elsewhere (its accounting system), so Konto sends no reminders.
 */
function dunningLevels(raw: string): DunningLevel[] {
  if (raw === "none") return [];
  const levels = raw.split(",").map((part) => {
    const match = /^\s*(\d{1,3}):(\d{1,6})\s*$/.exec(part);
    if (!match) throw new ConfigError("DUNNING_LEVELS", `must be days:fee pairs such as 7:0,21:500,35:1000, or none (got "${raw}")`);
    return { days: Number(match[1]), feeCents: Number(match[2]) };
  });
  if (levels.some((l, i) => i > 0 && l.days <= levels[i - 1].days) || levels.length > 9) {
    throw new ConfigError("DUNNING_LEVELS", `must list at most 9 levels, each later than the one before (got "${raw}")`);
  }
  return levels;
}

function scryptCost(raw: string | undefined, production: boolean): ScryptCost {
  if (!raw) return OWASP_SCRYPT_COST;
  const match = /^N=(\d+),r=(\d+),p=(\d+)$/.exec(raw.replace(/\s+/g, ""));
  const cost = match ? { N: Number(match[1]), r: Number(match[2]), p: Number(match[3]) } : null;
  if (!cost || cost.N < 2 || (cost.N & (cost.N - 1)) !== 0 || cost.r < 1 || cost.p < 1 || cost.N * cost.r > 2 ** 24) {
    throw new ConfigError("PASSWORD_HASH_COST", `must be N=<power of two>,r=<n>,p=<n>, e.g. N=32768,r=8,p=3 (got "${raw}")`);
  }
  if (production && !meetsOwaspMinimum(cost)) {
    throw new ConfigError(
      "PASSWORD_HASH_COST",
      "is below OWASP's minimum for scrypt (N=2^17,r=8,p=1 or the same work); production refuses it",
    );
  }
  return cost;
}

/** /metrics shows operation names, queue depths and pool state: in production never without a token. */
function metricsToken(raw: string | undefined, production: boolean): string | undefined {
  if (!raw && production)
    throw new ConfigError("METRICS_TOKEN", "is required in production: /metrics is only served with it (e.g. $(openssl rand -hex 32))");
  if (raw && raw.length < 16) throw new ConfigError("METRICS_TOKEN", "must be at least 16 characters");
  return raw;
}

function levers(off: string): Record<Lever, boolean> {
  const names = off
    .split(",")
    .map((name) => name.trim())
    .filter(Boolean);
  const unknown = names.filter((name) => !(LEVERS as readonly string[]).includes(name));
  if (unknown.length) throw new ConfigError("PERF_LEVERS_OFF", `names unknown levers: ${unknown.join(", ")} (known: ${LEVERS.join(", ")})`);
  return Object.fromEntries(LEVERS.map((lever) => [lever, !names.includes(lever)])) as Record<Lever, boolean>;
}

/** `id:secret,id:secret` (secrets base64, at least 32 bytes); development has a fixed key, production none. */
function linkTokenKeys(raw: string | undefined, production: boolean): LinkTokenKeys {
  if (!raw) {
    if (production) throw new ConfigError("LINK_TOKEN_KEYS", "is required in production (e.g. k1:$(openssl rand -base64 32))");
    return { currentId: "dev", all: new Map([["dev", Buffer.from("konto development link key, never for production")]]) };
  }
  const all = new Map<string, Buffer>();
  for (const entry of raw
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean)) {
    const match = /^([\w-]{1,32}):([A-Za-z0-9+/=_-]+)$/.exec(entry);
    const secret = match ? Buffer.from(match[2], "base64") : Buffer.alloc(0);
    if (!match || secret.length < 32)
      throw new ConfigError("LINK_TOKEN_KEYS", "must list id:secret entries with base64 secrets of at least 32 bytes");
    if (all.has(match[1])) throw new ConfigError("LINK_TOKEN_KEYS", `names key ${match[1]} twice`);
    all.set(match[1], secret);
  }
  if (!all.size) throw new ConfigError("LINK_TOKEN_KEYS", "must list at least one id:secret entry");
  return { currentId: [...all.keys()][0], all };
}

/** WEBAUTHN_*: the relying party of passkeys. Outside production the origins default to PUBLIC_URL's and PORTAL_URL's. */
function webauthn(env: Env, production: boolean, publicUrl: string, portalUrl: string): Config["webauthn"] {
  const value = (name: string) => env[name]?.trim() || undefined;
  const rpId = (value("WEBAUTHN_RP_ID") ?? "localhost").toLowerCase();
  // A domain, without scheme, port or path: what the browser compares with the origin's host.
  if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/.test(rpId)) {
    throw new ConfigError("WEBAUTHN_RP_ID", `must be a domain such as konto.example.com, without scheme or port (got "${rpId}")`);
  }
  const rpName = (value("WEBAUTHN_RP_NAME") ?? value("PROVIDER_NAME") ?? "Konto").slice(0, 100);
  const raw = value("WEBAUTHN_ORIGINS");
  if (!raw && production) {
    throw new ConfigError("WEBAUTHN_ORIGINS", "is required in production: the portals' origins, e.g. https://portal.example.com");
  }
  const listed = raw
    ? raw
        .split(",")
        .map((o) => o.trim())
        .filter(Boolean)
    : [publicUrl, portalUrl];
  const origins = listed.map((entry) => {
    let parsed: URL;
    try {
      parsed = new URL(entry);
    } catch {
      throw new ConfigError("WEBAUTHN_ORIGINS", `must list origins such as https://portal.example.com (got "${entry}")`);
    }
    if (!["http:", "https:"].includes(parsed.protocol) || (raw && parsed.origin !== entry.replace(/\/+$/, ""))) {
      throw new ConfigError(
        "WEBAUTHN_ORIGINS",
        `must list origins (scheme, host, port; no path) such as https://portal.example.com (got "${entry}")`,
      );
    }
    return parsed.origin;
  });
  if (!origins.length) throw new ConfigError("WEBAUTHN_ORIGINS", "must list at least one origin");
  return { rpId, rpName, origins: [...new Set(origins)] };
}

/**
 * `id:key,id:key` (keys base64, exactly 32 bytes: AES-256); development has a fixed key, production none.
 * The first encrypts; the others stay listed until every secret they encrypted was re-encrypted.
 */
function encryptionKeys(variable: string, raw: string | undefined, production: boolean): EncryptionKeys {
  if (!raw) {
    if (production) throw new ConfigError(variable, "is required in production (e.g. t1:$(openssl rand -base64 32))");
    const dev = createHash("sha256").update("konto development TOTP key, never for production").digest();
    return { currentId: "dev", all: new Map([["dev", dev]]) };
  }
  const all = new Map<string, Buffer>();
  for (const entry of raw
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean)) {
    const match = /^([\w-]{1,32}):([A-Za-z0-9+/=_-]+)$/.exec(entry);
    const key = match ? Buffer.from(match[2], "base64") : Buffer.alloc(0);
    if (!match || key.length !== 32) throw new ConfigError(variable, "must list id:key entries with base64 keys of exactly 32 bytes");
    if (all.has(match[1])) throw new ConfigError(variable, `names key ${match[1]} twice`);
    all.set(match[1], key);
  }
  if (!all.size) throw new ConfigError(variable, "must list at least one id:key entry");
  return { currentId: [...all.keys()][0], all };
}

function iban(variable: string, raw: string): string {
  const compact = electronicFormatIBAN(raw) ?? "";
  if (!isValidIBAN(compact)) throw new ConfigError(variable, `must be a valid IBAN (got "${raw}")`);
  return compact;
}

/** Hides the password of a URL so that it can be logged or printed. */
export function redactUrl(raw: string): string {
  return raw.replace(/\/\/([^:/@]+):[^@/]*@/, "//$1:***@");
}

/** Whether every key that starts with `prefix` hashes by a tag in it: `{` … `}` with something between. */
function hasHashTag(prefix: string): boolean {
  const open = prefix.indexOf("{");
  return open >= 0 && prefix.indexOf("}", open + 1) > open + 1;
}
