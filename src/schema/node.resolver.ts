import { Arg, Authorized, Ctx, ID, Query, Resolver } from "type-graphql";
import { CustomerRule, forbidden, may } from "../access/access";
import { Rule } from "../access/auth-checker";
import { ContactService } from "../contacts/contact.service";
import { CustomerService } from "../customers/customer.service";
import { InvoiceService } from "../invoices/invoice.service";
import { Context } from "../platform/context";
import { parseGlobalId } from "../platform/global-id";
import { Node } from "../platform/node";
import { ProductService } from "../products/product.service";
import { ResellerService } from "../resellers/reseller.service";
import { MaintenanceService } from "../maintenance/maintenance.service";
import { EmailVerificationService } from "../verifications/email-verification.service";

const NOT_YOURS = "This object is not yours to see";

type Fetcher = (ctx: Context, id: number) => Promise<(Node & { customerId?: number | null }) | null>;

/** How each node type is fetched and which customer rule guards it. */
const NODE_TYPES: Record<string, { fetch: Fetcher; rule: CustomerRule | null }> = {
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

@Resolver()
export class NodeResolver {
  @Authorized<Rule>("signed-in")
  @Query(() => Node, {
    nullable: true,
    description: "Any object by its global id. FORBIDDEN when it is outside the caller's scope; staff get null for ids that do not exist.",
  })
  async node(@Ctx() ctx: Context, @Arg("id", () => ID) id: string): Promise<Node | null> {
    const parsed = parseGlobalId(id);
    const type = parsed && NODE_TYPES[parsed.type];
    const node = type ? await type.fetch(ctx, parsed.id) : null;
    const principal = ctx.principal;
    // One refusal for unknown and foreign ids of every type: the answer must not tell which ids exist.
    const notYours = () => forbidden(NOT_YOURS);
    if (!node) {
      if (principal.kind === "staff") return null;
      throw notYours();
    }
    if (type!.rule === null) {
      if (principal.kind === "staff") return node;
      if (parsed!.type === "Reseller" && principal.kind === "reseller" && principal.resellerId === parsed!.id) return node;
      throw notYours();
    }
    const customerId = parsed!.type === "Customer" ? parsed!.id : node.customerId;
    const customer = customerId ? await CustomerService.byId(ctx, customerId) : null;
    if (!customer && principal.kind === "staff") return node; // e.g. a login email change of a staff user
    if (!customer || !may(principal, type!.rule, customer)) throw notYours();
    return node;
  }
}
