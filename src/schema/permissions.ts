import { typeGraphqlMetadata } from "../library-patches/type-graphql";

/**
 * Object types whose fields carry no rule of their own: they are only reachable through an entry
 * point that checked the caller against the object's customer (customer(), node(), the Customer
 * fields) and they never lead to another customer.
 */
export const INHERITING_TYPES: Record<string, string> = {
  Contact: "reached through Customer.contacts or node() (rule contacts)",
  Product: "reached through Customer.products, InvoiceLine.product or node() (rule products)",
  Invoice: "reached through Customer.invoices or node() (rule billing)",
  InvoiceLine: "reached through Invoice.lines",
  Dunning: "reached through Invoice.dunnings",
  InvoiceRun: "reached through invoiceRun and invoiceRunStart (staff only)",
  EmailVerification: "reached through Customer.pendingEmailVerifications or node() (rule settings), or by the token holder's emailVerificationConfirm",
  AuditEntry: "reached through Customer.auditLog (rule audit)",
  SepaMandate: "reached through Customer.payment (rule read); iban in full only with customer rule fullIban",
  OnlineInvoiceSettings: "reached through Customer.onlineInvoice (rule billing)",
  NewsletterSettings: "reached through Customer.newsletter (rule settings)",
  MaintenanceAnnouncement: "reached through maintenanceAnnouncements, the maintenance mutations or node() (staff only)",
  MaintenanceWindow: "reached through Customer.maintenanceWindows (rule products)",
  ChangeRequest: "reached through changeRequests and the change-request mutations (staff; the requester's payload)",
  SupportRequest: "reached through Customer.supportRequests (rule read), supportRequests (staff) or the payloads",
  MergeRequest: "reached through the merge mutations' payloads",
  Reseller: "reached through Customer.reseller or node() (the reseller itself, staff)",
  CatalogPlan: "the catalog: catalogPlans (any signed-in caller), the catalog mutations (staff ADMIN), Order.plan, Product.catalogPlan",
  CatalogPlanChange: "reached through CatalogPlan.changes",
  Order: "reached through Customer.orders (rule orders), orders (staff; a reseller its customers') or the order mutations' payloads",
  Session: "reached through Viewer.sessions (the caller's own) or Customer.sessions (rule sessions)",
  WebhookSubscription: "reached through webhookSubscriptions and the webhook mutations (the reseller's own; staff all, changes staff:ADMIN)",
  WebhookDelivery: "reached through WebhookSubscription.deliveries and webhookDeliveryReplay (as its subscription)",
};

/** What the service checks for operations open to any signed-in caller. */
export const SERVICE_CHECKS: Record<string, string> = {
  customer: "then customer rule read (FORBIDDEN outside scope)",
  customers: "then filtered to the caller's scope in SQL",
  node: "then the rule of the node's type on its customer",
  viewer: "the caller itself",
  authPasswordChange: "the caller's own personal login",
  customerPinRegenerate: "then customer rule pin",
  contactPhonePasswordSet: "then customer rule manageContacts",
  contactCreate: "then customer rule editContacts",
  contactUpdate: "then customer rule editContacts",
  contactDelete: "then customer rule editContacts",
  emailVerificationCancel: "then the rule of the change's purpose (editContacts, editMaster, editBilling; own login)",
  emailVerificationResend: "then the rule of the change's purpose (editContacts, editMaster, editBilling; own login)",
  customerEmailUpdate: "then customer rule editMaster",
  customerPaymentMethodUpdate: "then customer rule editBilling",
  customerBillingAddressUpdate: "then customer rule editBilling",
  invoiceIssue: "then customer rule issueInvoices",
  productCreate: "then customer rule manageProducts",
  customerUpdate: "then customer rule editMaster",
  customerNotificationSettingsUpdate: "then customer rule editMaster",
  customerSettingsUpdate: "then customer rule editMaster; the IP allowlist needs a recent sign-in",
  customerChangeRequestCreate: "then customer rule editMaster",
  supportRequestCreate: "then customer rule read, and only the customer's own users",
  customerMergeStart: "then customer rule pin (the customer's ADMIN) and proof of B's password",
  customerMergeSubmit: "then customer rule pin on the target customer",
  productUpdate: "then customer rule manageProducts",
  productSuspend: "then customer rule manageProducts",
  productCancel: "then customer rule manageProducts",
  invoiceCancel: "then customer rule issueInvoices",
  invoiceCredit: "then customer rule issueInvoices",
  invoiceResend: "then customer rule editBilling",
  customerOnlineInvoiceUpdate: "then customer rule editBilling",
  customerNewsletterUpdate: "then customer rule editMaster",
  authLoginEmailUpdate: "the caller's own personal login",
  orderCreate: "then customer rule order (ADMIN; TECHNICAL where the catalog plan allows it)",
  orderPlanChange: "then customer rule order on the product's customer (ADMIN; TECHNICAL where the catalog plan allows it)",
  orderCancel: "then customer rule order",
  orderApprove: "then customer rule manageProducts",
  orderReject: "then customer rule manageProducts",
  productPanelSignIn: "then customer rule panelSignIn (ADMIN, TECHNICAL, the reseller, staff)",
  orders: "then filtered to the caller's scope in SQL",
  customerPasswordSet: "then customer rule customerPassword (the customer's ADMIN users and the customer-number login)",
};

type Storage = ReturnType<typeof typeGraphqlMetadata>;

function rolesOf(storage: Storage, target: Function, name: string): string[] | undefined {
  return storage.authorizedFields.find((a) => a.target === target && a.fieldName === name)?.roles as string[] | undefined;
}

/** Query and mutation fields that have no @Authorized rule (must be none). */
export function unguardedOperations(): string[] {
  const storage = typeGraphqlMetadata();
  return [...storage.queries, ...storage.mutations].filter((op) => !rolesOf(storage, op.target, op.methodName)).map((op) => op.schemaName);
}

/**
 * Every operation and every field of Customer with the rule that guards it, as committed in
 * schema/permissions.txt. A diff of that file is a change of who may see or do what.
 */
export function permissionSnapshot(): string {
  const storage = typeGraphqlMetadata();
  const lines: string[] = [];
  for (const [kind, ops] of [["Query", storage.queries], ["Mutation", storage.mutations]] as const) {
    for (const op of ops) {
      const check = SERVICE_CHECKS[op.schemaName];
      lines.push(`${kind}.${op.schemaName}: ${(rolesOf(storage, op.target, op.methodName) ?? ["NONE"]).join(" | ")}${check ? `; ${check}` : ""}`);
    }
  }
  const typeName = (target: Function) => storage.objectTypes.find((t) => t.target === target)?.name;
  for (const resolver of storage.fieldResolvers) {
    const target = resolver.getObjectType?.();
    const name = target && typeName(target as Function);
    if (!name || name in INHERITING_TYPES) continue;
    lines.push(`${name}.${resolver.schemaName}: ${(rolesOf(storage, resolver.target, resolver.methodName) ?? ["scope of parent"]).join(" | ")}`);
  }
  for (const field of storage.fields) {
    const name = typeName(field.target);
    if (name !== "Customer") continue;
    if (storage.fieldResolvers.some((r) => r.schemaName === field.name && r.getObjectType?.() === field.target)) continue;
    lines.push(`Customer.${field.name}: ${(rolesOf(storage, field.target, field.name) ?? ["customer:read"]).join(" | ")}`);
  }
  for (const [name, reason] of Object.entries(INHERITING_TYPES)) lines.push(`${name}.*: inherits; ${reason}`);
  return `${[...new Set(lines)].sort().join("\n")}\n`;
}
