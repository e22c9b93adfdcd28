import { ResolverData } from "type-graphql";
import { Context } from "../platform/context";
import { ErrorCode, KontoError } from "../platform/errors";
import { CUSTOMER_RULES, CustomerRef, CustomerRule, forbidden, may, unauthenticated } from "./access";

/**
 * The rules that `@Authorized(...)` names. Several rules on one field mean "any of them".
 * - `public`: anyone, also without a token (login, recovery).
 * - `signed-in`: any valid token; the service then checks the scope of what is asked for.
 * - `staff`, `staff:ADMIN`, `reseller`: by principal kind and role.
 * - `customer:<rule>`: on fields of Customer; the rule of CUSTOMER_RULES for that customer.
 */
export type Rule = "public" | "signed-in" | "staff" | "staff:ADMIN" | "reseller" | `customer:${CustomerRule}`;

/** Whether the caller may use a field with these rules; refuses by throwing UNAUTHENTICATED or FORBIDDEN. Synchronous: schema/field-rules.ts. */
export const authChecker = ({ root, context, info }: ResolverData<Context>, rules: Rule[]): boolean => {
  const principal = context.principal;
  // Held to enrol a second factor: the operations of enrolment only, and at any depth nothing
  // guarded by a role (viewer's memberships must not reach the customers' data).
  if (principal.kind !== "anonymous" && principal.auth?.enrolOnly) {
    const root = ROOT_TYPES.has(info.parentType.name);
    const allowed = root
      ? ENROLMENT_OPERATIONS.has(info.fieldName) || rules.includes("public")
      : rules.every((r) => r === "public" || r === "signed-in");
    if (!allowed) {
      throw new KontoError(
        ErrorCode.SECOND_FACTOR_ENROLMENT_REQUIRED,
        "A second factor is required: enrol one (TOTP or a passkey), then refresh the session",
      );
    }
  }
  if (rules.includes("public")) return true;
  if (principal.kind === "anonymous") throw unauthenticated();
  for (const rule of rules) {
    if (rule === "signed-in") return true;
    if (rule === "staff" && principal.kind === "staff") return true;
    if (rule === "staff:ADMIN" && principal.kind === "staff" && principal.role === "ADMIN") return true;
    if (rule === "reseller" && principal.kind === "reseller") return true;
    if (rule.startsWith("customer:") && may(principal, rule.slice(9) as CustomerRule, root as CustomerRef)) return true;
  }
  throw forbidden();
};

const ROOT_TYPES = new Set(["Query", "Mutation"]);

/** What a login held to enrol a second factor may still do. */
export const ENROLMENT_OPERATIONS = new Set([
  "viewer",
  "authLogout",
  "authRefresh",
  "authReauthenticate",
  "authSessionRevoke",
  "authSessionsRevokeOthers",
  "secondFactorTotpEnrolStart",
  "secondFactorTotpEnrolConfirm",
  "passkeyRegistrationStart",
  "passkeyRegistrationFinish",
]);

/** The rule names that exist, for the permission snapshot. */
export const CUSTOMER_RULE_NAMES = Object.keys(CUSTOMER_RULES) as CustomerRule[];
