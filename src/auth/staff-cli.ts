import "reflect-metadata";
import { createInterface } from "node:readline/promises";
import { parseArgs } from "node:util";
import { configurePasswordHashing, passwordProblem, hashPassword } from "../access/passwords";
import { openDatabase } from "../database";
import { createLogger } from "../platform/logger";
import { exitOnFailure, loadConfigOrExit } from "../platform/process";
import { StaffRole, UserKind } from "../users/user.enums";

const USAGE =
  "usage: npm run staff:create -- --email EMAIL --name NAME [--role ADMIN|SUPPORT]   (password from KONTO_STAFF_PASSWORD or asked)";

/** `npm run staff:create`: a staff login, created from the command line of the server. */
async function main() {
  const { values } = parseArgs({
    options: { email: { type: "string" }, name: { type: "string" }, role: { type: "string", default: "ADMIN" } },
  });
  const role = values.role as StaffRole;
  if (!values.email || !/^[^\s@]+@[^\s@]+$/.test(values.email) || !values.name || !Object.values(StaffRole).includes(role)) {
    console.error(USAGE);
    process.exit(2);
  }
  let password = process.env.KONTO_STAFF_PASSWORD;
  if (!password) {
    const rl = createInterface({ input: process.stdin, output: process.stderr });
    password = await rl.question("Password (at least 12 characters): ");
    rl.close();
  }
  const problem = passwordProblem(password);
  if (problem) {
    console.error(`The password ${problem}.`);
    process.exit(2);
  }
  const config = loadConfigOrExit();
  configurePasswordHashing(config.passwordHashCost);
  const db = await openDatabase(config, createLogger("warn"));
  try {
    const [existing] = await db.query("SELECT id FROM users WHERE email = ?", [values.email]);
    if (existing) {
      console.error(`A login ${values.email} exists already.`);
      process.exit(1);
    }
    await db.query(
      "INSERT INTO users (kind, email, display_name, password_hash, staff_role, password_changed_at) VALUES (?, ?, ?, ?, ?, CURRENT_TIMESTAMP(3))",
      [UserKind.STAFF, values.email, values.name, await hashPassword(password), role],
    );
    console.log(`Staff ${role} ${values.email} created. Sign in with authLogin(input: { email, password }).`);
  } finally {
    await db.destroy();
  }
}

main().catch(exitOnFailure);
