import { CustomerRule, forbidden, may } from "../access/access";
import { ContactService } from "../contacts/contact.service";
import { CustomerService } from "../customers/customer.service";
import { InvoiceService } from "../invoices/invoice.service";
import { MaintenanceService } from "../maintenance/maintenance.service";
import { Context } from "../platform/context";
import { Node } from "../platform/node";
import { ProductService } from "../products/product.service";
import { ResellerService } from "../resellers/reseller.service";
import { EmailVerificationService } from "../verifications/email-verification.service";

const NOT_YOURS = "This object is not yours to see";

export type NodeOf = Node & { customerId?: number | null };
type Fetcher = (ctx: Context, id: number) => Promise<NodeOf | null>;

/** How each node type is fetched (through the request's loaders, so many ids are one statement) and which customer rule guards it. */
export const NODE_TYPES: Record<string, { fetch: Fetcher; rule: CustomerRule | null }> = {
  Customer: { fetch: CustomerService.byId, rule: "read" },
  Contact: { fetch: ContactService.byId, rule: "contacts" },
  Product: { fetch: ProductService.byId, rule: "products" },
  Invoice: { fetch: InvoiceService.byId, rule: "billing" },
  EmailVerification: { fetch: EmailVerificationService.byId, rule: "settings" },
  // Resellers are not a customer's: the reseller itself and staff.
  Reseller: { fetch: ResellerService.byId, rule: null },
  // Announcements span customers: staff only.
  MaintenanceAnnouncement: { fetch: MaintenanceService.byId, rule: null },
};

/**
 * What `node(id:)` and the federation's `_entities` answer for a fetched object of a type: the
 * object when the caller may see it, null for staff when it does not exist, else FORBIDDEN, one
 * refusal for unknown and foreign ids of every type (the answer must not tell which ids exist).
 */
export async function authorizedNode(ctx: Context, typeName: string, id: number | null, node: NodeOf | null): Promise<NodeOf | null> {
  const type = NODE_TYPES[typeName];
  const principal = ctx.principal;
  const notYours = () => forbidden(NOT_YOURS);
  if (!node || !type) {
    if (principal.kind === "staff") return null;
    throw notYours();
  }
  if (type.rule === null) {
    if (principal.kind === "staff") return node;
    if (typeName === "Reseller" && principal.kind === "reseller" && principal.resellerId === id) return node;
    throw notYours();
  }
  const customerId = typeName === "Customer" ? id : node.customerId;
  const customer = customerId ? await CustomerService.byId(ctx, customerId) : null;
  if (!customer && principal.kind === "staff") return node; // e.g. a login email change of a staff user
  if (!customer || !may(principal, type.rule, customer)) throw notYours();
  return node;
}
