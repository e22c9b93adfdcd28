import "reflect-metadata";
import { GraphQLSchema, lexicographicSortSchema } from "graphql";
import { DateTimeResolver } from "graphql-scalars";
import { buildSchema, NonEmptyArray } from "type-graphql";
import { ContactResolver, CustomerContactsResolver } from "../contacts/contact.resolver";
import { CustomerCreateResolver } from "../contacts/customer-create.resolver";
import { CustomerResolver, SepaMandateResolver } from "../customers/customer.resolver";
import { CustomerInvoicesResolver, InvoiceLineResolver, InvoiceResolver } from "../invoices/invoice.resolver";
import { DunningResolver, InvoiceDunningResolver, InvoiceRunResolver } from "../invoices/billing-operations.resolver";
import { CustomerProductsResolver, ProductResolver } from "../products/product.resolver";
import { CustomerResellerResolver, ResellerResolver } from "../resellers/reseller.resolver";
import { EmailVerificationResolver } from "../verifications/email-verification.resolver";
import { CustomerVerificationsResolver, NewsletterPendingResolver, OnlineInvoicePendingResolver } from "../customers/customer-verifications.resolver";
import { NodeResolver } from "./node.resolver";
import { CustomerMaintenanceResolver, MaintenanceResolver, MaintenanceWindowResolver } from "../maintenance/maintenance.resolver";
import { ProductAdminResolver } from "../products/product-admin.resolver";
import { ChangeRequestResolver } from "../change-requests/change-request.resolver";
import { CustomerSupportRequestsResolver, SupportRequestResolver } from "../support-requests/support-request.resolver";
import { MergeResolver } from "../merges/merge.resolver";
import { CustomerMasterResolver } from "../customers/customer-master.resolver";
import { AuthResolver } from "../auth/auth.resolver";
import { SecondFactorPolicyResolver } from "../auth/second-factor-policy";
import { CustomerSessionsResolver, SessionResolver, ViewerSessionsResolver } from "../auth/sessions.resolver";
import { CustomerPasswordResolver } from "../auth/customer-password.resolver";
import { PortalUsersResolver } from "../auth/portal-users.resolver";
import { PasskeyResolver, ViewerPasskeysResolver } from "../auth/passkeys.resolver";
import { SecondFactorResolver, ViewerSecondFactorResolver } from "../auth/second-factor.resolver";
import { CustomerAuditResolver } from "../customers/customer-audit.resolver";
import { NotificationResolver } from "../notifications/notification.resolver";
import { TrustedDocumentResolver } from "../trusted-documents/trusted-documents.resolver";
import { CustomerDocumentsResolver, DocumentResolver } from "../documents/document.resolver";
import { ChangeRequestAttachmentsResolver, SupportRequestAttachmentsResolver } from "../documents/attachment.resolver";
import { CustomerDataProtectionResolver, DataProtectionResolver } from "../data-protection/data-protection.resolver";
import { Rule } from "../access/auth-checker";
import { unguardedOperations } from "./permissions";
import { nodeTypeName } from "../platform/node";
import { validateArgument } from "./validate-args";
import { refusalsAsUserErrors } from "./mutation-refusals";
import { buildWithoutAuthorizedMiddleware, useDirectParams, useSyncResolveType, withSimpleResolvers } from "../library-patches/type-graphql";
import { WebhookResolver } from "../webhooks/webhook.resolver";
import { subgraphSdl, withFederation } from "./federation";
import { FieldRules, withFieldRules } from "./field-rules";
import { CatalogPlanChangeResolver, CatalogResolver, ProductCatalogPlanResolver } from "../catalog/catalog.resolver";
import { CustomerOrdersResolver, OrderResolver } from "../orders/order.resolver";
import { PanelResolver } from "../panels/panel.resolver";

export const RESOLVERS: NonEmptyArray<Function> = [
  NodeResolver,
  AuthResolver,
  SecondFactorPolicyResolver,
  SessionResolver,
  ViewerSessionsResolver,
  CustomerSessionsResolver,
  CustomerPasswordResolver,
  PortalUsersResolver,
  PasskeyResolver,
  ViewerPasskeysResolver,
  SecondFactorResolver,
  ViewerSecondFactorResolver,
  MaintenanceResolver,
  MaintenanceWindowResolver,
  CustomerMaintenanceResolver,
  ProductAdminResolver,
  CustomerMasterResolver,
  ChangeRequestResolver,
  SupportRequestResolver,
  CustomerSupportRequestsResolver,
  MergeResolver,
  EmailVerificationResolver,
  OnlineInvoicePendingResolver,
  NewsletterPendingResolver,
  CustomerAuditResolver,
  NotificationResolver,
  TrustedDocumentResolver,
  DocumentResolver,
  CustomerDocumentsResolver,
  ChangeRequestAttachmentsResolver,
  SupportRequestAttachmentsResolver,
  DataProtectionResolver,
  CustomerDataProtectionResolver,
  CustomerResolver,
  CustomerCreateResolver,
  SepaMandateResolver,
  CustomerContactsResolver,
  CustomerProductsResolver,
  CustomerInvoicesResolver,
  CustomerVerificationsResolver,
  CustomerResellerResolver,
  ContactResolver,
  ProductResolver,
  InvoiceResolver,
  InvoiceLineResolver,
  InvoiceDunningResolver,
  DunningResolver,
  InvoiceRunResolver,
  ResellerResolver,
  CatalogResolver,
  CatalogPlanChangeResolver,
  ProductCatalogPlanResolver,
  OrderResolver,
  CustomerOrdersResolver,
  PanelResolver,
  WebhookResolver,
];

let built: { schema: GraphQLSchema; rules: FieldRules } | undefined;
let builtSubgraphSdl = "";
const variants = new Map<boolean, GraphQLSchema>();

/**
 * The executable schema. type-graphql's part is built once per process (its metadata is global);
 * the variants differ by the performance lever `simpleResolvers` (plain fields have no resolver
 * of their own), on by default.
 */
export async function buildKontoSchema(options: { simpleResolvers?: boolean } = {}): Promise<GraphQLSchema> {
  if (!built) {
    useDirectParams();
    built = await buildWithoutAuthorizedMiddleware<Rule>(() =>
      buildSchema({
        resolvers: RESOLVERS,
        validate: false,
        validateFn: validateArgument,
        scalarsMap: [{ type: Date, scalar: DateTimeResolver }],
      }),
    );
    // type-graphql wraps resolveType in an async function; graphql-jit needs the name at once.
    useSyncResolveType(built.schema, "Node", nodeTypeName);
    // One error channel: what a mutation refuses before its service runs is userErrors too.
    refusalsAsUserErrors(built.schema);
    // Deny by default: an operation without an @Authorized rule does not start.
    const unguarded = unguardedOperations();
    if (unguarded.length) throw new Error(`operations without an @Authorized rule: ${unguarded.join(", ")}`);
    // Konto is also a federation subgraph: _service and _entities on the same schema.
    builtSubgraphSdl = subgraphSdl(built.schema);
    built = { ...built, schema: withFederation(built.schema, builtSubgraphSdl) };
  }
  const simpleResolvers = options.simpleResolvers !== false;
  let schema = variants.get(simpleResolvers);
  if (!schema) {
    // Rules go on last: they wrap whatever resolver a field has, the default one included.
    schema = withFieldRules(simpleResolvers ? withSimpleResolvers(built.schema) : built.schema, built.rules);
    variants.set(simpleResolvers, schema);
  }
  return schema;
}

/** The federation subgraph SDL (with @key on the entities), as `_service { sdl }` serves it and schema/subgraph.graphql holds it. */
export async function subgraphSchemaSdl(): Promise<string> {
  await buildKontoSchema();
  return builtSubgraphSdl;
}

/** The schema in the committed form: sorted, so that the file diff shows real changes only. */
export async function printableSchema(): Promise<GraphQLSchema> {
  return lexicographicSortSchema(await buildKontoSchema());
}
