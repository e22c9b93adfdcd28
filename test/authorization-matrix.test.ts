import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { AuthenticatedPrincipal } from "../src/access/tokens";
import { toGlobalId } from "../src/platform/global-id";
import { buildKontoSchema } from "../src/schema/build";
import { seedDemoData } from "../src/seed/demo-data";
import { CustomerRole, StaffRole } from "../src/users/user.enums";
import { startTestApp, TestApp } from "./support/harness";

// Every query and mutation of the built schema, run as every kind of caller. Customer A is
// 1000002 (managed by reseller R), customer B is 1000001 (no reseller).
type Outcome = "ok" | "UNAUTHENTICATED" | "FORBIDDEN";
type Who =
  | "anonymous"
  | "A:ADMIN"
  | "A:BILLING"
  | "A:TECHNICAL"
  | "A:READ_ONLY"
  | "B:user"
  | "reseller of A"
  | "other reseller"
  | "staff SUPPORT"
  | "staff ADMIN";
const EVERYONE: Who[] = [
  "anonymous",
  "A:ADMIN",
  "A:BILLING",
  "A:TECHNICAL",
  "A:READ_ONLY",
  "B:user",
  "reseller of A",
  "other reseller",
  "staff SUPPORT",
  "staff ADMIN",
];

/** Outcomes for everyone: `allowed` get ok, anonymous gets UNAUTHENTICATED, the rest FORBIDDEN. */
function only(...allowed: Who[]): Record<Who, Outcome> {
  return Object.fromEntries(
    EVERYONE.map((w) => [w, allowed.includes(w) ? "ok" : w === "anonymous" ? "UNAUTHENTICATED" : "FORBIDDEN"]),
  ) as Record<Who, Outcome>;
}
const PUBLIC = Object.fromEntries(EVERYONE.map((w) => [w, "ok"])) as Record<Who, Outcome>;
const SIGNED_IN = only(...EVERYONE.filter((w) => w !== "anonymous"));

interface Ids {
  A: string;
  contactOfA: string;
  /** One extra contact of A per caller, for contactDelete. */
  spareContacts: Record<Who, string>;
  verificationOfA: string;
  invoiceOfA: string;
  productOfA: string;
  spareProductOfA: string;
  /** A READ_ONLY user of A (its role "changed" to READ_ONLY changes nothing). */
  readOnlyUserOfA: string;
  /** A user of A and B: disabling it is refused (REMOVE_INSTEAD). */
  sharedUserOfA: string;
  /** One extra user of A per caller, for portalUserRemove. */
  spareUsers: Record<Who, string>;
  /** A cancelled invitation of A: resending or cancelling it is refused (NOT_PENDING). */
  cancelledInvitationOfA: string;
  /** A rejected order of A: cancelling or deciding it is refused (NOT_PENDING). */
  decidedOrderOfA: string;
}
interface Call {
  query: (ids: Ids, who: Who) => string;
  expect: Record<Who, Outcome>;
}

const n = (who: Who) => who.toLowerCase().replace(/[^a-z0-9]+/g, "-");

const OPERATIONS: Record<string, Call> = {
  customer: {
    query: (ids) => `{ customer(id: "${ids.A}") { customerNumber email } }`,
    expect: only("A:ADMIN", "A:BILLING", "A:TECHNICAL", "A:READ_ONLY", "reseller of A", "staff SUPPORT", "staff ADMIN"),
  },
  customers: { query: () => `{ customers(first: 100) { nodes { customerNumber email } } }`, expect: SIGNED_IN },
  node: {
    query: (ids) => `{ node(id: "${ids.contactOfA}") { ... on Contact { email } } }`,
    expect: only("A:ADMIN", "A:BILLING", "A:TECHNICAL", "reseller of A", "staff SUPPORT", "staff ADMIN"),
  },
  // secondFactor: the caller's own; null for API clients.
  viewer: { query: () => `{ viewer { kind name secondFactor { totpEnabled recoveryCodesLeft } } }`, expect: SIGNED_IN },
  authLogin: {
    query: (_, who) =>
      `mutation { authLogin(input: { email: "matrix-${n(who)}@nowhere.example", password: "not a real password" }) { userErrors { code } } }`,
    expect: PUBLIC,
  },
  authRefresh: { query: () => `mutation { authRefresh(refreshToken: "unknown") { userErrors { code } } }`, expect: PUBLIC },
  authLogout: { query: () => `mutation { authLogout { ok } }`, expect: PUBLIC },
  authLoginSecondFactor: {
    query: () => `mutation { authLoginSecondFactor(input: { challenge: "unknown", totpCode: "123456" }) { userErrors { code } } }`,
    expect: PUBLIC,
  },
  authPasskeyLoginStart: { query: () => `mutation { authPasskeyLoginStart { challengeId } }`, expect: PUBLIC },
  authPasskeyLogin: {
    query: () => `mutation { authPasskeyLogin(input: { challengeId: "unknown", response: {} }) { userErrors { code } } }`,
    expect: PUBLIC,
  },
  authPasskeyChallenge: {
    query: () => `mutation { authPasskeyChallenge { challengeId } }`,
    expect: only("A:ADMIN", "A:BILLING", "A:TECHNICAL", "A:READ_ONLY", "B:user", "staff SUPPORT", "staff ADMIN"),
  },
  // The matrix's tokens belong to no session (signed directly), so none may re-authenticate.
  authReauthenticate: { query: () => `mutation { authReauthenticate(input: { password: "x" }) { userErrors { code } } }`, expect: only() },
  customerSecondFactorRequirementSet: {
    query: (ids) => `mutation { customerSecondFactorRequirementSet(customerId: "${ids.A}", required: false) { userErrors { code } } }`,
    expect: only("A:ADMIN", "reseller of A", "staff ADMIN"),
  },
  // A user id that does not exist: refused alike for everyone; other callers are not staff.
  staffSecondFactorReset: { query: () => `mutation { staffSecondFactorReset(userId: "VXNlcjo5OTk5OTk") { ok } }`, expect: only() },
  // A session id that does not exist: refused alike for everyone, as someone else's would be.
  authSessionRevoke: { query: () => `mutation { authSessionRevoke(id: "U2Vzc2lvbjo5OTk5OTk") { ok } }`, expect: only() },
  // API clients (the resellers here) have no sessions.
  authSessionsRevokeOthers: {
    query: () => `mutation { authSessionsRevokeOthers { ok } }`,
    expect: only("A:ADMIN", "A:BILLING", "A:TECHNICAL", "A:READ_ONLY", "B:user", "staff SUPPORT", "staff ADMIN"),
  },
  // Second factors of the caller's own login; the resellers here are API clients, which have none.
  // The staff principals have no users row: NOT_FOUND, a userError.
  secondFactorTotpEnrolStart: {
    query: () => `mutation { secondFactorTotpEnrolStart { userErrors { code } } }`,
    expect: only("A:ADMIN", "A:BILLING", "A:TECHNICAL", "A:READ_ONLY", "B:user", "staff SUPPORT", "staff ADMIN"),
  },
  // A code that is wrong (or no enrolment): a userError for whoever gets that far.
  secondFactorTotpEnrolConfirm: {
    query: () => `mutation { secondFactorTotpEnrolConfirm(code: "not a code") { ok userErrors { code } } }`,
    expect: only("A:ADMIN", "A:BILLING", "A:TECHNICAL", "A:READ_ONLY", "B:user", "staff SUPPORT", "staff ADMIN"),
  },
  secondFactorTotpDisable: {
    query: () => `mutation { secondFactorTotpDisable(code: "not a code") { ok userErrors { code } } }`,
    expect: only("A:ADMIN", "A:BILLING", "A:TECHNICAL", "A:READ_ONLY", "B:user", "staff SUPPORT", "staff ADMIN"),
  },
  secondFactorRecoveryCodesRegenerate: {
    query: () => `mutation { secondFactorRecoveryCodesRegenerate { userErrors { code } } }`,
    expect: only("A:ADMIN", "A:BILLING", "A:TECHNICAL", "A:READ_ONLY", "B:user", "staff SUPPORT", "staff ADMIN"),
  },
  // The resellers here are API clients: no personal password to change.
  authPasswordChange: {
    query: () =>
      `mutation { authPasswordChange(input: { currentPassword: "wrong current", newPassword: "Whatever new 2026" }) { ok userErrors { code } } }`,
    expect: only("A:ADMIN", "A:BILLING", "A:TECHNICAL", "A:READ_ONLY", "B:user", "staff SUPPORT", "staff ADMIN"),
  },
  authUsernameReminder: { query: () => `mutation { authUsernameReminder(customerNumber: "0000000") { message } }`, expect: PUBLIC },
  authPasswordResetRequest: {
    query: (_, who) => `mutation { authPasswordResetRequest(email: "reset-${n(who)}@nowhere.example") { message } }`,
    expect: PUBLIC,
  },
  authPasswordReset: {
    query: () => `mutation { authPasswordReset(input: { token: "unknown", newPassword: "Whatever new 2026" }) { ok userErrors { code } } }`,
    expect: PUBLIC,
  },
  authRegister: {
    query: (_, who) =>
      `mutation { authRegister(input: { customerNumber: "0-${EVERYONE.indexOf(who)}", customerPassword: "nope", email: "reg-${n(who)}@nowhere.example", displayName: "X", password: "Whatever new 2026" }) { message } }`,
    expect: PUBLIC,
  },
  contactPhonePasswordSet: {
    query: (ids) =>
      `mutation { contactPhonePasswordSet(contactId: "${ids.contactOfA}", password: "Matrix1") { contact { hasPhonePassword } } }`,
    expect: only("A:ADMIN", "reseller of A", "staff ADMIN"),
  },
  contactPhonePasswordVerify: {
    query: (ids) => `mutation { contactPhonePasswordVerify(contactId: "${ids.contactOfA}", password: "Matrix1") { valid } }`,
    expect: only("staff SUPPORT", "staff ADMIN"),
  },
  customerCreate: {
    query: (
      _,
      who,
    ) => `mutation { customerCreate(input: { kind: BUSINESS, companyName: "Matrix ${who} GmbH", email: "office@matrix-${n(who)}.example",
      address: { street: "Testgasse 1", postalCode: "1010", city: "Wien", countryCode: "AT" },
      contact: { firstName: "Mia", lastName: "Matrix", email: "mia@matrix-${n(who)}.example" } }) { customer { customerNumber } userErrors { code } } }`,
    expect: only("reseller of A", "other reseller", "staff ADMIN"),
  },
  customerPinRegenerate: { query: (ids) => `mutation { customerPinRegenerate(customerId: "${ids.A}") { pin } }`, expect: only("A:ADMIN") },
  // A weak new password: a userError for whoever gets that far, and nothing changes.
  customerPasswordSet: {
    query: (ids) =>
      `mutation { customerPasswordSet(input: { customerId: "${ids.A}", currentPassword: "wrong current", newPassword: "short" }) { userErrors { code } } }`,
    expect: only("A:ADMIN"),
  },
  customerPasswordResetRequest: {
    query: (_, who) => `mutation { customerPasswordResetRequest(customerNumber: "0-${EVERYONE.indexOf(who)}") { message } }`,
    expect: PUBLIC,
  },
  customerPasswordReset: {
    query: () =>
      `mutation { customerPasswordReset(input: { token: "unknown", newPassword: "Whatever new 2026" }) { ok userErrors { code } } }`,
    expect: PUBLIC,
  },
  customerPinVerify: {
    query: () => `mutation { customerPinVerify(customerNumber: "1000002", pin: "123456") { valid } }`,
    expect: only("staff SUPPORT", "staff ADMIN"),
  },
  contactCreate: {
    query: (ids, who) =>
      `mutation { contactCreate(customerId: "${ids.A}", input: { types: [OTHER], firstName: "New", lastName: "Contact", email: "new-${n(who)}@isarwerk.de" }) { contact { email } userErrors { code } } }`,
    expect: only("A:ADMIN", "A:TECHNICAL", "reseller of A", "staff SUPPORT", "staff ADMIN"),
  },
  contactUpdate: {
    query: (ids) =>
      `mutation { contactUpdate(contactId: "${ids.contactOfA}", input: { lastName: "Matrix" }) { contact { lastName } userErrors { code } } }`,
    expect: only("A:ADMIN", "A:TECHNICAL", "reseller of A", "staff SUPPORT", "staff ADMIN"),
  },
  contactDelete: {
    query: (ids, who) => `mutation { contactDelete(contactId: "${ids.spareContacts[who]}") { deletedContactId userErrors { code } } }`,
    expect: only("A:ADMIN", "A:TECHNICAL", "reseller of A", "staff SUPPORT", "staff ADMIN"),
  },
  customerEmailUpdate: {
    query: (ids, who) =>
      `mutation { customerEmailUpdate(customerId: "${ids.A}", email: "new-${n(who)}@isarwerk.de") { userErrors { code } } }`,
    expect: only("A:ADMIN", "reseller of A", "staff SUPPORT", "staff ADMIN"),
  },
  customerOnlineInvoiceUpdate: {
    query: (ids) => `mutation { customerOnlineInvoiceUpdate(customerId: "${ids.A}", input: { enabled: false }) { userErrors { code } } }`,
    expect: only("A:ADMIN", "A:BILLING", "reseller of A", "staff SUPPORT", "staff ADMIN"),
  },
  customerNewsletterUpdate: {
    query: (ids) => `mutation { customerNewsletterUpdate(customerId: "${ids.A}", input: { subscribed: false }) { userErrors { code } } }`,
    expect: only("A:ADMIN", "reseller of A", "staff SUPPORT", "staff ADMIN"),
  },
  // The resellers here are API clients: no personal login email.
  authLoginEmailUpdate: {
    query: (_, who) => `mutation { authLoginEmailUpdate(email: "login-${n(who)}@matrix.example") { ok } }`,
    expect: only("A:ADMIN", "A:BILLING", "A:TECHNICAL", "A:READ_ONLY", "B:user", "staff SUPPORT", "staff ADMIN"),
  },
  emailVerificationConfirm: {
    query: () => `mutation { emailVerificationConfirm(token: "unknown") { userErrors { code } } }`,
    expect: PUBLIC,
  },
  emailVerificationCancel: {
    query: (ids) => `mutation { emailVerificationCancel(id: "${ids.verificationOfA}") { verification { status } userErrors { code } } }`,
    expect: only("A:ADMIN", "A:TECHNICAL", "reseller of A", "staff SUPPORT", "staff ADMIN"),
  },
  emailVerificationResend: {
    query: (ids) => `mutation { emailVerificationResend(id: "${ids.verificationOfA}") { userErrors { code } } }`,
    expect: only("A:ADMIN", "A:TECHNICAL", "reseller of A", "staff SUPPORT", "staff ADMIN"),
  },
  customerPaymentMethodUpdate: {
    query: (ids) =>
      `mutation { customerPaymentMethodUpdate(customerId: "${ids.A}", input: { method: BANK_TRANSFER }) { userErrors { code } } }`,
    expect: only("A:ADMIN", "A:BILLING", "reseller of A", "staff SUPPORT", "staff ADMIN"),
  },
  customerBillingAddressUpdate: {
    query: (ids) => `mutation { customerBillingAddressUpdate(customerId: "${ids.A}", input: null) { userErrors { code } } }`,
    expect: only("A:ADMIN", "A:BILLING", "reseller of A", "staff SUPPORT", "staff ADMIN"),
  },
  invoiceIssue: {
    query: (ids) =>
      `mutation { invoiceIssue(input: { customerId: "${ids.A}", lines: [{ description: "Matrix", quantity: 1, unitPriceAmount: 100, vatRate: 19 }] }) { invoice { number } userErrors { code } } }`,
    expect: only("reseller of A", "staff ADMIN"),
  },
  invoiceCancel: {
    query: (ids) => `mutation { invoiceCancel(invoiceId: "${ids.invoiceOfA}", reason: "Matrix") { userErrors { code } } }`,
    expect: only("reseller of A", "staff ADMIN"),
  },
  invoiceResend: {
    query: (ids) =>
      `mutation { invoiceResend(invoiceId: "${ids.invoiceOfA}", email: "not-confirmed@nowhere.example") { userErrors { code } } }`,
    expect: only("A:ADMIN", "A:BILLING", "reseller of A", "staff SUPPORT", "staff ADMIN"),
  },
  paymentRecord: {
    query: (ids) =>
      `mutation { paymentRecord(input: { customerId: "${ids.A}", amount: 100, receivedOn: "2026-11-01", reference: "Matrix" }) { userErrors { code } } }`,
    expect: only("staff SUPPORT", "staff ADMIN"),
  },
  maintenanceAnnounce: {
    query: () =>
      `mutation { maintenanceAnnounce(input: { titleDe: "M", titleEn: "M", messageDe: "M", messageEn: "M", startsAt: "2099-01-01T00:00:00Z", endsAt: "2099-01-01T02:00:00Z", products: { plan: "No Such Plan" } }) { userErrors { code } } }`,
    expect: only("staff SUPPORT", "staff ADMIN"),
  },
  maintenanceReschedule: {
    query: () =>
      `mutation { maintenanceReschedule(id: "${toGlobalId("MaintenanceAnnouncement", 999)}", startsAt: "2099-01-01T00:00:00Z", endsAt: "2099-01-01T02:00:00Z") { userErrors { code } } }`,
    expect: only("staff SUPPORT", "staff ADMIN"),
  },
  maintenanceCancel: {
    query: () => `mutation { maintenanceCancel(id: "${toGlobalId("MaintenanceAnnouncement", 999)}") { userErrors { code } } }`,
    expect: only("staff SUPPORT", "staff ADMIN"),
  },
  maintenanceAnnouncements: {
    query: () => `{ maintenanceAnnouncements(first: 5) { totalCount } }`,
    expect: only("staff SUPPORT", "staff ADMIN"),
  },
  mailBounces: {
    query: () => `{ mailBounces(first: 5) { totalCount nodes { address error bounces } } }`,
    expect: only("staff SUPPORT", "staff ADMIN"),
  },
  catalogPlans: { query: () => `{ catalogPlans(productType: DOMAIN) { nameDe price { amount } } }`, expect: SIGNED_IN },
  catalogPlanCreate: {
    query: (_ids, who) =>
      `mutation { catalogPlanCreate(input: { productType: DOMAIN, nameDe: "Matrix ${n(who)}", nameEn: "Matrix", priceAmount: 100, billingPeriod: YEARLY }) { userErrors { code } } }`,
    expect: only("staff ADMIN"),
  },
  catalogPlanUpdate: {
    // An unknown plan: a userError for staff admins.
    query: () =>
      `mutation { catalogPlanUpdate(planId: "${toGlobalId("CatalogPlan", 999999)}", input: { priceAmount: 1 }) { userErrors { code } } }`,
    expect: only("staff ADMIN"),
  },
  // Orders name an unknown plan, or a decided order: userErrors for those allowed, nothing written.
  orderCreate: {
    query: (ids) =>
      `mutation { orderCreate(customerId: "${ids.A}", input: { planId: "${toGlobalId("CatalogPlan", 999999)}", identifier: "matrix.example" }) { userErrors { code } } }`,
    expect: only("A:ADMIN", "A:TECHNICAL"),
  },
  orderPlanChange: {
    query: (ids) =>
      `mutation { orderPlanChange(productId: "${ids.productOfA}", input: { planId: "${toGlobalId("CatalogPlan", 999999)}" }) { userErrors { code } } }`,
    expect: only("A:ADMIN", "A:TECHNICAL"),
  },
  orderCancel: {
    query: (ids) => `mutation { orderCancel(orderId: "${ids.decidedOrderOfA}") { userErrors { code } } }`,
    expect: only("A:ADMIN", "A:TECHNICAL"),
  },
  orderApprove: {
    query: (ids) => `mutation { orderApprove(orderId: "${ids.decidedOrderOfA}") { userErrors { code } } }`,
    expect: only("reseller of A", "staff SUPPORT", "staff ADMIN"),
  },
  orderReject: {
    query: (ids) => `mutation { orderReject(orderId: "${ids.decidedOrderOfA}", reason: "matrix") { userErrors { code } } }`,
    expect: only("reseller of A", "staff SUPPORT", "staff ADMIN"),
  },
  orders: {
    query: () => `{ orders(first: 5) { totalCount nodes { status customer { customerNumber } } } }`,
    expect: only("reseller of A", "other reseller", "staff SUPPORT", "staff ADMIN"),
  },
  // No panel is configured here: NO_PANEL for those allowed.
  productPanelSignIn: {
    query: (ids) => `mutation { productPanelSignIn(productId: "${ids.productOfA}") { url userErrors { code } } }`,
    expect: only("A:ADMIN", "A:TECHNICAL", "reseller of A", "staff SUPPORT", "staff ADMIN"),
  },
  panelClientCreate: {
    query: () => `mutation { panelClientCreate(productType: WEB_HOSTING, name: "matrix") { clientId userErrors { code } } }`,
    expect: only("staff ADMIN"),
  },
  productCreate: {
    query: (ids, who) =>
      `mutation { productCreate(customerId: "${ids.A}", input: { type: DOMAIN, plan: "Domain .de", identifier: "matrix-${n(who)}.de", priceAmount: 1200 }) { userErrors { code } } }`,
    expect: only("reseller of A", "staff SUPPORT", "staff ADMIN"),
  },
  productUpdate: {
    query: (ids) =>
      `mutation { productUpdate(productId: "${ids.productOfA}", input: { specs: { matrix: true } }) { userErrors { code } } }`,
    expect: only("reseller of A", "staff SUPPORT", "staff ADMIN"),
  },
  productSuspend: {
    query: (ids) => `mutation { productSuspend(productId: "${ids.productOfA}") { userErrors { code } } }`,
    expect: only("reseller of A", "staff SUPPORT", "staff ADMIN"),
  },
  productCancel: {
    query: (ids) => `mutation { productCancel(productId: "${ids.spareProductOfA}") { userErrors { code } } }`,
    expect: only("reseller of A", "staff SUPPORT", "staff ADMIN"),
  },
  customerUpdate: {
    query: (ids) => `mutation { customerUpdate(customerId: "${ids.A}", input: { version: 1000000, locale: de }) { userErrors { code } } }`,
    expect: only("A:ADMIN", "reseller of A", "staff SUPPORT", "staff ADMIN"),
  },
  customerNotificationSettingsUpdate: {
    query: (ids) =>
      `mutation { customerNotificationSettingsUpdate(customerId: "${ids.A}", notifyMainEmail: false) { userErrors { code } } }`,
    expect: only("A:ADMIN", "reseller of A", "staff SUPPORT", "staff ADMIN"),
  },
  customerSettingsUpdate: {
    query: (ids) => `mutation { customerSettingsUpdate(customerId: "${ids.A}", input: { locale: de }) { userErrors { code } } }`,
    expect: only("A:ADMIN", "reseller of A", "staff SUPPORT", "staff ADMIN"),
  },
  customerChangeRequestCreate: {
    query: (ids) =>
      `mutation { customerChangeRequestCreate(customerId: "${ids.A}", input: { vatId: "DE123456789" }) { userErrors { code } } }`,
    expect: only("A:ADMIN", "reseller of A", "staff SUPPORT", "staff ADMIN"),
  },
  changeRequests: { query: () => `{ changeRequests(first: 5) { totalCount } }`, expect: only("staff SUPPORT", "staff ADMIN") },
  changeRequestApprove: {
    query: () => `mutation { changeRequestApprove(id: "${toGlobalId("ChangeRequest", 999999)}") { userErrors { code } } }`,
    expect: only("staff SUPPORT", "staff ADMIN"),
  },
  changeRequestReject: {
    query: () => `mutation { changeRequestReject(id: "${toGlobalId("ChangeRequest", 999999)}", reason: "x") { userErrors { code } } }`,
    expect: only("staff SUPPORT", "staff ADMIN"),
  },
  supportRequestCreate: {
    query: (ids) =>
      `mutation { supportRequestCreate(customerId: "${ids.A}", input: { subject: "Matrix", message: "Hilfe" }) { supportRequest { reference } userErrors { code } } }`,
    expect: only("A:ADMIN", "A:BILLING", "A:TECHNICAL", "A:READ_ONLY"),
  },
  supportRequests: { query: () => `{ supportRequests(first: 5) { totalCount } }`, expect: only("staff SUPPORT", "staff ADMIN") },
  supportRequestStatusUpdate: {
    query: () =>
      `mutation { supportRequestStatusUpdate(id: "${toGlobalId("SupportRequest", 999999)}", status: CLOSED) { userErrors { code } } }`,
    expect: only("staff SUPPORT", "staff ADMIN"),
  },
  customerMergeStart: {
    query: (ids) =>
      `mutation { customerMergeStart(customerId: "${ids.A}", input: { customerNumber: "0000000", customerPassword: "wrong" }) { userErrors { code } } }`,
    expect: only("A:ADMIN"),
  },
  customerMergeSubmit: {
    query: () => `mutation { customerMergeSubmit(id: "${toGlobalId("MergeRequest", 999999)}", choices: []) { userErrors { code } } }`,
    expect: only(),
  },
  customerMergeApprove: {
    query: () => `mutation { customerMergeApprove(id: "${toGlobalId("MergeRequest", 999999)}") { userErrors { code } } }`,
    expect: only("staff SUPPORT", "staff ADMIN"),
  },
  customerMergeReject: {
    query: () => `mutation { customerMergeReject(id: "${toGlobalId("MergeRequest", 999999)}", reason: "x") { userErrors { code } } }`,
    expect: only("staff SUPPORT", "staff ADMIN"),
  },
  // Portal users: every call of an allowed caller is refused with a userError or changes nothing.
  portalUserInvite: {
    query: (ids) =>
      `mutation { portalUserInvite(customerId: "${ids.A}", email: "admin@isarwerk.de", role: BILLING) { userErrors { code } } }`,
    expect: only("A:ADMIN", "reseller of A", "staff SUPPORT", "staff ADMIN"),
  },
  portalInvitationResend: {
    query: (ids) => `mutation { portalInvitationResend(invitationId: "${ids.cancelledInvitationOfA}") { userErrors { code } } }`,
    expect: only("A:ADMIN", "reseller of A", "staff SUPPORT", "staff ADMIN"),
  },
  portalInvitationCancel: {
    query: (ids) => `mutation { portalInvitationCancel(invitationId: "${ids.cancelledInvitationOfA}") { userErrors { code } } }`,
    expect: only("A:ADMIN", "reseller of A", "staff SUPPORT", "staff ADMIN"),
  },
  portalInvitationAccept: {
    query: () =>
      `mutation { portalInvitationAccept(input: { token: "unknown", password: "Whatever new 2026" }) { ok userErrors { code } } }`,
    expect: PUBLIC,
  },
  portalUserRoleChange: {
    query: (ids) =>
      `mutation { portalUserRoleChange(customerId: "${ids.A}", userId: "${ids.readOnlyUserOfA}", role: READ_ONLY) { userErrors { code } } }`,
    expect: only("A:ADMIN", "reseller of A", "staff SUPPORT", "staff ADMIN"),
  },
  portalUserRemove: {
    query: (ids, who) =>
      `mutation { portalUserRemove(customerId: "${ids.A}", userId: "${ids.spareUsers[who]}") { ok userErrors { code } } }`,
    expect: only("A:ADMIN", "reseller of A", "staff SUPPORT", "staff ADMIN"),
  },
  portalUserDisable: {
    query: (ids) => `mutation { portalUserDisable(customerId: "${ids.A}", userId: "${ids.sharedUserOfA}") { userErrors { code } } }`,
    expect: only("A:ADMIN", "reseller of A", "staff SUPPORT", "staff ADMIN"),
  },
  portalUserEnable: {
    query: (ids) => `mutation { portalUserEnable(customerId: "${ids.A}", userId: "${ids.readOnlyUserOfA}") { userErrors { code } } }`,
    expect: only("A:ADMIN", "reseller of A", "staff SUPPORT", "staff ADMIN"),
  },
  // Passkeys of the caller's own login; API clients (the resellers here) have none. Garbage answers
  // are userErrors; an unknown passkey id is refused alike for everyone, as someone else's would be.
  passkeyRegistrationStart: {
    query: () => `mutation { passkeyRegistrationStart { challengeId userErrors { code } } }`,
    expect: only("A:ADMIN", "A:BILLING", "A:TECHNICAL", "A:READ_ONLY", "B:user", "staff SUPPORT", "staff ADMIN"),
  },
  passkeyRegistrationFinish: {
    query: () =>
      `mutation { passkeyRegistrationFinish(challengeId: "${toGlobalId("WebAuthnChallenge", 999999)}", response: { id: "x" }, name: "Matrix") { passkey { id } userErrors { code } } }`,
    expect: only("A:ADMIN", "A:BILLING", "A:TECHNICAL", "A:READ_ONLY", "B:user", "staff SUPPORT", "staff ADMIN"),
  },
  passkeyRename: {
    query: () =>
      `mutation { passkeyRename(id: "${toGlobalId("Passkey", 999999)}", name: "Matrix") { passkey { id } userErrors { code } } }`,
    expect: only(),
  },
  passkeyRemove: {
    query: () => `mutation { passkeyRemove(id: "${toGlobalId("Passkey", 999999)}") { ok userErrors { code } } }`,
    expect: only(),
  },
  trustedDocumentsRegister: {
    query: () =>
      `mutation { trustedDocumentsRegister(input: { documents: [{ body: "{ viewer { kind } }" }] }) { added userErrors { code } } }`,
    expect: only("staff ADMIN"),
  },
  resellerApiClientCreate: {
    query: () => `mutation { resellerApiClientCreate(resellerId: "${toGlobalId("Reseller", 999)}", name: "x") { userErrors { code } } }`,
    expect: only("staff ADMIN"),
  },
  webhookSubscriptions: {
    query: () => `{ webhookSubscriptions(first: 5) { totalCount nodes { url deliveries(first: 5) { totalCount } } } }`,
    expect: only("staff SUPPORT", "staff ADMIN", "reseller of A", "other reseller"),
  },
  // A URL that is refused (userErrors), so nothing is subscribed.
  webhookSubscriptionCreate: {
    query: () =>
      `mutation { webhookSubscriptionCreate(input: { url: "http://10.0.0.1/x", events: [CUSTOMER_UPDATED] }) { userErrors { code } } }`,
    expect: only("staff ADMIN", "reseller of A", "other reseller"),
  },
  // Unknown ids: refused alike for everyone (foreign ones are covered by test/webhooks.test.ts).
  webhookSubscriptionUpdate: {
    query: () =>
      `mutation { webhookSubscriptionUpdate(id: "${toGlobalId("WebhookSubscription", 999)}", input: { enabled: false }) { userErrors { code } } }`,
    expect: only(),
  },
  webhookSubscriptionDelete: {
    query: () => `mutation { webhookSubscriptionDelete(id: "${toGlobalId("WebhookSubscription", 999)}") { userErrors { code } } }`,
    expect: only(),
  },
  webhookSubscriptionRotateSecret: {
    query: () => `mutation { webhookSubscriptionRotateSecret(id: "${toGlobalId("WebhookSubscription", 999)}") { userErrors { code } } }`,
    expect: only(),
  },
  webhookDeliveryReplay: {
    query: () => `mutation { webhookDeliveryReplay(deliveryId: "${toGlobalId("WebhookDelivery", 999)}") { userErrors { code } } }`,
    expect: only(),
  },
};

/** The fields of Customer that have a rule narrower than "in scope". */
const CUSTOMER_FIELDS: Record<string, { selection: string; expect: Record<Who, Outcome> }> = {
  pin: { selection: "pin", expect: only("A:ADMIN") },
  secondFactorRequired: {
    selection: "secondFactorRequired",
    expect: only("A:ADMIN", "A:BILLING", "A:TECHNICAL", "reseller of A", "staff SUPPORT", "staff ADMIN"),
  },
  hasCustomerPassword: {
    selection: "hasCustomerPassword",
    expect: only("A:ADMIN", "A:BILLING", "A:TECHNICAL", "reseller of A", "staff SUPPORT", "staff ADMIN"),
  },
  contacts: {
    selection: "contacts { email }",
    expect: only("A:ADMIN", "A:BILLING", "A:TECHNICAL", "reseller of A", "staff SUPPORT", "staff ADMIN"),
  },
  invoices: {
    selection: "invoices(first: 1) { totalCount }",
    expect: only("A:ADMIN", "A:BILLING", "A:TECHNICAL", "reseller of A", "staff SUPPORT", "staff ADMIN"),
  },
  payment: {
    selection: "payment { method }",
    expect: only("A:ADMIN", "A:BILLING", "A:TECHNICAL", "A:READ_ONLY", "reseller of A", "staff SUPPORT", "staff ADMIN"),
  },
  balance: {
    selection: "balance { amount }",
    expect: only("A:ADMIN", "A:BILLING", "A:TECHNICAL", "reseller of A", "staff SUPPORT", "staff ADMIN"),
  },
  orders: {
    selection: "orders(first: 1) { totalCount }",
    expect: only("A:ADMIN", "A:BILLING", "A:TECHNICAL", "reseller of A", "staff SUPPORT", "staff ADMIN"),
  },
  products: {
    selection: "products(first: 1) { totalCount }",
    expect: only("A:ADMIN", "A:BILLING", "A:TECHNICAL", "A:READ_ONLY", "reseller of A", "staff SUPPORT", "staff ADMIN"),
  },
  maintenanceWindows: {
    selection: "maintenanceWindows { title }",
    expect: only("A:ADMIN", "A:BILLING", "A:TECHNICAL", "A:READ_ONLY", "reseller of A", "staff SUPPORT", "staff ADMIN"),
  },
  supportRequests: {
    selection: "supportRequests(first: 1) { totalCount }",
    expect: only("A:ADMIN", "A:BILLING", "A:TECHNICAL", "A:READ_ONLY", "reseller of A", "staff SUPPORT", "staff ADMIN"),
  },
  sessions: { selection: "sessions { id }", expect: only("A:ADMIN", "reseller of A", "staff SUPPORT", "staff ADMIN") },
  auditLog: { selection: "auditLog(first: 1) { totalCount }", expect: only("A:ADMIN", "reseller of A", "staff SUPPORT", "staff ADMIN") },
  users: { selection: "users { email role status }", expect: only("A:ADMIN", "reseller of A", "staff SUPPORT", "staff ADMIN") },
  invitations: { selection: "invitations { email }", expect: only("A:ADMIN", "reseller of A", "staff SUPPORT", "staff ADMIN") },
};

let t: TestApp;
let ids: Ids;
const principals = new Map<Who, AuthenticatedPrincipal | null>();
let resellerOfA: number;

before(async () => {
  t = await startTestApp({ TRUST_PROXY: "true" });
  await seedDemoData(t.app.db, { customers: 12 });
  const [a] = await t.app.db.query("SELECT id, reseller_id FROM customers WHERE customer_number = '1000002'");
  const [b] = await t.app.db.query("SELECT id FROM customers WHERE customer_number = '1000001'");
  const [other] = await t.app.db.query("SELECT id FROM resellers WHERE id <> ? ORDER BY id LIMIT 1", [a.reseller_id]);
  const [contact] = await t.app.db.query("SELECT id FROM contacts WHERE customer_id = ? ORDER BY id LIMIT 1", [a.id]);
  resellerOfA = a.reseller_id;
  const spareContacts = {} as Record<Who, string>;
  for (const who of EVERYONE) {
    const r = await t.app.db.query(
      "INSERT INTO contacts (customer_id, types, first_name, last_name, email) VALUES (?, 'OTHER', 'Spare', ?, ?)",
      [a.id, who, `spare-${n(who)}@isarwerk.de`],
    );
    spareContacts[who] = toGlobalId("Contact", r.insertId);
  }
  const v = await t.app.db.query(
    "INSERT INTO email_verifications (customer_id, purpose, target_id, new_email, token_hash, expires_at) VALUES (?, 'CONTACT_EMAIL', ?, 'pending@isarwerk.de', UNHEX(SHA2('matrix', 256)), ?)",
    [a.id, contact.id, new Date(Date.now() + 86_400_000)],
  );
  const member = async (email: string, role: CustomerRole, ...customerIds: number[]) => {
    const r = await t.app.db.query("INSERT INTO users (kind, email, display_name) VALUES ('CUSTOMER', ?, 'Matrix')", [email]);
    for (const customerId of customerIds) {
      await t.app.db.query("INSERT INTO memberships (user_id, customer_id, role) VALUES (?, ?, ?)", [r.insertId, customerId, role]);
    }
    return toGlobalId("User", r.insertId);
  };
  const spareUsers = {} as Record<Who, string>;
  for (const who of EVERYONE) spareUsers[who] = await member(`spare-user-${n(who)}@matrix.example`, CustomerRole.READ_ONLY, a.id);
  const invitation = await t.app.db.query(
    "INSERT INTO invitations (customer_id, email, role, invited_by, status, expires_at) VALUES (?, 'cancelled@matrix.example', 'BILLING', 'matrix', 'CANCELLED', ?)",
    [a.id, new Date(Date.now() + 86_400_000)],
  );
  const [invoice] = await t.app.db.query("SELECT id FROM invoices WHERE customer_id = ? AND kind = 'INVOICE' ORDER BY id LIMIT 1", [a.id]);
  const order = await t.app.db.query(
    "INSERT INTO orders (customer_id, kind, plan_id, identifier, status, ordered_by) SELECT ?, 'NEW_PRODUCT', MIN(id), 'matrix.example', 'REJECTED', 'matrix' FROM catalog_plans",
    [a.id],
  );
  ids = {
    A: toGlobalId("Customer", a.id),
    readOnlyUserOfA: await member("read-only-user@matrix.example", CustomerRole.READ_ONLY, a.id),
    sharedUserOfA: await member("shared-user@matrix.example", CustomerRole.TECHNICAL, a.id, b.id),
    spareUsers,
    cancelledInvitationOfA: toGlobalId("PortalInvitation", invitation.insertId),
    decidedOrderOfA: toGlobalId("Order", order.insertId),
    contactOfA: toGlobalId("Contact", contact.id),
    spareContacts,
    verificationOfA: toGlobalId("EmailVerification", v.insertId),
    invoiceOfA: toGlobalId("Invoice", invoice.id),
    productOfA: toGlobalId(
      "Product",
      (await t.app.db.query("SELECT id FROM products WHERE customer_id = ? ORDER BY id LIMIT 1", [a.id]))[0].id,
    ),
    spareProductOfA: toGlobalId(
      "Product",
      (await t.app.db.query("SELECT id FROM products WHERE customer_id = ? ORDER BY id DESC LIMIT 1", [a.id]))[0].id,
    ),
  };
  const user = async (role: string, customerId: number) => {
    const r = await t.app.db.query("INSERT INTO users (kind, email, display_name) VALUES ('CUSTOMER', ?, 'Matrix')", [
      `${role.toLowerCase()}-${customerId}@matrix.example`,
    ]);
    await t.app.db.query("INSERT INTO memberships (user_id, customer_id, role) VALUES (?, ?, ?)", [r.insertId, customerId, role]);
    return Number(r.insertId);
  };
  const customer = async (customerId: number, role: CustomerRole): Promise<AuthenticatedPrincipal> => ({
    kind: "customer",
    userId: await user(role, customerId),
    roles: new Map([[customerId, role]]),
    label: `${role} of ${customerId}`,
    sessionId: null,
  });
  principals.set("anonymous", null);
  for (const role of Object.values(CustomerRole)) principals.set(`A:${role}` as Who, await customer(a.id, role));
  principals.set("B:user", await customer(b.id, CustomerRole.ADMIN));
  principals.set("reseller of A", {
    kind: "reseller",
    resellerId: a.reseller_id,
    userId: null,
    clientId: 1,
    label: "reseller A",
    sessionId: null,
  });
  principals.set("other reseller", {
    kind: "reseller",
    resellerId: other.id,
    userId: null,
    clientId: 2,
    label: "other reseller",
    sessionId: null,
  });
  principals.set("staff SUPPORT", { kind: "staff", userId: 9001, role: StaffRole.SUPPORT, label: "support", sessionId: null });
  principals.set("staff ADMIN", { kind: "staff", userId: 9002, role: StaffRole.ADMIN, label: "admin", sessionId: null });
});
after(() => t?.stop());

/** Customer numbers and emails (also the contacts') of every customer the caller may not see. */
async function foreignSecrets(who: Who): Promise<string[]> {
  const p = principals.get(who);
  let scope = "FALSE";
  if (p?.kind === "customer") scope = `c.id IN (${[...p.roles.keys()].join(",")})`;
  if (p?.kind === "reseller") scope = `c.reseller_id = ${p.resellerId}`;
  if (p?.kind === "staff") scope = "TRUE";
  const rows = await t.app.db.query(
    `SELECT c.customer_number, c.email, k.email AS contact_email FROM customers c LEFT JOIN contacts k ON k.customer_id = c.id WHERE NOT (${scope})`,
  );
  return [...new Set(rows.flatMap((r: any) => [`"${r.customer_number}"`, r.email, r.contact_email].filter(Boolean)))] as string[];
}

async function run(who: Who, query: string, ip: string) {
  const p = principals.get(who);
  const headers: Record<string, string> = { "x-forwarded-for": ip, authorization: p ? `Bearer ${await t.tokenFor(p)}` : "" };
  const res = await t.gql(query, {}, headers);
  const codes = (res.body.errors ?? []).map((e) => e.extensions?.code);
  const outcome: Outcome | string = codes.length === 0 ? "ok" : codes.every((c) => c === codes[0]) ? codes[0] : codes.join(",");
  const text = JSON.stringify(res.body);
  for (const secret of await foreignSecrets(who)) {
    assert.ok(!text.includes(secret), `${who} got data of a customer outside its scope (${secret})`);
  }
  return outcome;
}

test("every query and mutation of the schema has a matrix entry", async () => {
  const schema = await buildKontoSchema();
  const operations = [...Object.keys(schema.getQueryType()!.getFields()), ...Object.keys(schema.getMutationType()!.getFields())].sort();
  assert.deepEqual(Object.keys(OPERATIONS).sort(), operations, "add the new operation to OPERATIONS with its expected outcomes");
});

test("each operation as each caller has its expected outcome and shows nothing outside the caller's scope", async () => {
  const mismatches: string[] = [];
  let ip = 0;
  for (const [name, call] of Object.entries(OPERATIONS)) {
    for (const who of EVERYONE) {
      const outcome = await run(who, call.query(ids, who), `192.0.2.${(ip++ % 250) + 1}`);
      if (outcome !== call.expect[who]) mismatches.push(`${name} as ${who}: expected ${call.expect[who]}, got ${outcome}`);
    }
  }
  assert.deepEqual(mismatches, []);
});

test("each guarded field of Customer as each caller", async () => {
  const mismatches: string[] = [];
  let ip = 0;
  for (const [name, field] of Object.entries(CUSTOMER_FIELDS)) {
    for (const who of EVERYONE) {
      const expected = field.expect[who];
      const outcome = await run(who, `{ customer(id: "${ids.A}") { ${field.selection} } }`, `192.0.2.${(ip++ % 250) + 1}`);
      // Callers who may not see A at all are refused at customer() already.
      const expectedHere = OPERATIONS.customer.expect[who] !== "ok" ? OPERATIONS.customer.expect[who] : expected;
      if (outcome !== expectedHere) mismatches.push(`Customer.${name} as ${who}: expected ${expectedHere}, got ${outcome}`);
    }
  }
  assert.deepEqual(mismatches, []);
});

test("a reseller sees exactly its own customers in lists", async () => {
  const res = await t.gql(`{ customers(first: 100) { nodes { customerNumber } } }`, {}, await t.as(principals.get("reseller of A")!));
  const expected = await t.app.db.query("SELECT customer_number FROM customers WHERE reseller_id = ? ORDER BY id", [resellerOfA]);
  assert.deepEqual(
    res.body.data.customers.nodes.map((c: any) => c.customerNumber),
    expected.map((r: any) => r.customer_number),
  );
});
