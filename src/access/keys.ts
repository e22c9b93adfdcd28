import { createPublicKey, JsonWebKey } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { calculateJwkThumbprint, CryptoKey, exportJWK, generateKeyPair, importJWK, importPKCS8, JWK } from "jose";
import { Config, ConfigError } from "../config";
import { Logger } from "../platform/logger";

export const JWT_ALGORITHM = "ES256";

type Key = CryptoKey;

/**
 * The signing key (with its kid) and every public key that still verifies: the current one and
 * retired ones listed in JWT_RETIRED_PUBLIC_KEYS. Served as the JWKS.
 */
export class KeyStore {
  private constructor(
    readonly signingKey: Key,
    readonly signingKid: string,
    /** kid → public JWK. */
    private readonly publicKeys: Map<string, JWK>,
  ) {
    for (const [kid, jwk] of publicKeys)
      this.publicPems.set(
        kid,
        createPublicKey({ key: jwk as JsonWebKey, format: "jwk" }).export({ type: "spki", format: "pem" }) as string,
      );
  }

  /** The public keys as PEM, for verifying with node:crypto (src/access/tokens.ts says why). */
  private readonly publicPems = new Map<string, string>();

  static async load(config: Config, log: Logger): Promise<KeyStore> {
    const { signingKeyPem, signingKeyId, retiredPublicKeys, devKeyFile } = config.jwt;
    let privateJwk: JWK;
    if (signingKeyPem) {
      let key: Key;
      try {
        key = await importPKCS8(signingKeyPem.replace(/\\n/g, "\n"), JWT_ALGORITHM, { extractable: true });
      } catch {
        throw new ConfigError("JWT_SIGNING_KEY", "must be a PKCS#8 PEM private key for ES256 (P-256)");
      }
      privateJwk = await exportJWK(key);
    } else {
      if (config.production) throw new ConfigError("JWT_SIGNING_KEY", "is required in production");
      privateJwk = await loadOrCreateDevKey(devKeyFile);
      log.warn({ file: devKeyFile }, "JWT_SIGNING_KEY is not set: signing with a generated development key");
    }
    const { d: _private, ...publicJwk } = privateJwk;
    const kid = signingKeyId ?? (await calculateJwkThumbprint(publicJwk));
    const publicKeys = new Map<string, JWK>();
    publicKeys.set(kid, { ...publicJwk, kid, alg: JWT_ALGORITHM, use: "sig" });
    for (const retired of parseRetired(retiredPublicKeys)) {
      const retiredKid = retired.kid ?? (await calculateJwkThumbprint(retired));
      try {
        await importJWK(retired, JWT_ALGORITHM); // refuses what is not an ES256 public key
        publicKeys.set(retiredKid, { ...retired, kid: retiredKid, alg: JWT_ALGORITHM, use: "sig" });
      } catch {
        throw new ConfigError("JWT_RETIRED_PUBLIC_KEYS", `has a key (kid ${retiredKid}) that is not an ES256 public JWK`);
      }
    }
    const signingKey = (await importJWK(privateJwk, JWT_ALGORITHM)) as Key;
    return new KeyStore(signingKey, kid, publicKeys);
  }

  verificationPem(kid: string | undefined): string | undefined {
    return kid ? this.publicPems.get(kid) : undefined;
  }

  jwks(): { keys: JWK[] } {
    return { keys: [...this.publicKeys.values()] };
  }
}

function parseRetired(raw: string | undefined): JWK[] {
  if (!raw) return [];
  try {
    const keys = JSON.parse(raw);
    if (Array.isArray(keys) && keys.every((k) => k && typeof k === "object" && !("d" in k))) return keys as JWK[];
  } catch {
    // reported below
  }
  throw new ConfigError("JWT_RETIRED_PUBLIC_KEYS", "must be a JSON array of public JWKs (no private parts)");
}

/** The development key lives in a local file so that tokens survive restarts. */
async function loadOrCreateDevKey(file: string): Promise<JWK> {
  try {
    return JSON.parse(readFileSync(file, "utf8")) as JWK;
  } catch {
    const { privateKey } = await generateKeyPair(JWT_ALGORITHM, { extractable: true });
    const jwk = await exportJWK(privateKey);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, JSON.stringify(jwk), { mode: 0o600 });
    return jwk;
  }
}
