// Signing in to a Konto child as staff. Every read needs an access token since the access work,
// and a token can only be signed inside the Konto process, so the bench does what an operator
// does: a staff ADMIN row in the users table (like `npm run staff:create`), then authLogin over
// HTTP. Staff ADMIN sees every customer with every field, as the floor (which has no logins) does.

import { generateKeyPairSync, randomBytes } from "node:crypto";
import type { DataSource } from "typeorm";
import { hashPassword } from "../../src/access/passwords";

export const STAFF_EMAIL = "bench.staff@konto-bench.example";

/** A fresh ES256 private key in PKCS#8 PEM: Konto in production requires JWT_SIGNING_KEY. */
export function signingKeyPem(): string {
  const { privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  return privateKey.export({ type: "pkcs8", format: "pem" }).toString();
}

/** One password (and one scrypt hash, which is slow on purpose) for every database of the run. */
export interface StaffLogin {
  email: string;
  password: string;
  hash: string;
}

export async function staffLogin(): Promise<StaffLogin> {
  const password = `Bench-${randomBytes(12).toString("base64url")}`;
  return { email: STAFF_EMAIL, password, hash: await hashPassword(password) };
}

/** The staff ADMIN user, inserted as `npm run staff:create` does. */
export async function createStaffUser(db: DataSource, login: StaffLogin): Promise<void> {
  await db.query(
    "INSERT INTO users (kind, email, display_name, password_hash, staff_role, password_changed_at) VALUES ('STAFF', ?, 'Bench Staff', ?, 'ADMIN', CURRENT_TIMESTAMP(3))",
    [login.email, login.hash],
  );
}

/** One GraphQL request; throws on anything but a 200 with data and without errors. */
export async function graphql<T = any>(url: string, query: string, variables: Record<string, unknown>, token?: string): Promise<T> {
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const text = await response.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (response.status !== 200 || !json?.data || json.errors) {
    throw new Error(`${url} answered ${query.replace(/\s+/g, " ").slice(0, 80)}… with ${response.status}: ${text.slice(0, 1000)}`);
  }
  return json.data as T;
}

const LOGIN = `mutation BenchLogin($input: AuthLoginInput!) {
  authLogin(input: $input) { accessToken userErrors { code message } }
}`;

/** Signs in over HTTP and returns the access token. */
export async function logIn(url: string, login: StaffLogin): Promise<string> {
  const data = await graphql(url, LOGIN, { input: { email: login.email, password: login.password } });
  const { accessToken, userErrors } = data.authLogin;
  if (!accessToken) throw new Error(`staff login at ${url} failed: ${JSON.stringify(userErrors)}`);
  return accessToken as string;
}
