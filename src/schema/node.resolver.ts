import { Arg, Ctx, ID, Query, Resolver } from "type-graphql";
import { ContactService } from "../contacts/contact.service";
import { CustomerService } from "../customers/customer.service";
import { InvoiceService } from "../invoices/invoice.service";
import { Context } from "../platform/context";
import { parseGlobalId } from "../platform/global-id";
import { Node } from "../platform/node";
import { ProductService } from "../products/product.service";
import { ResellerService } from "../resellers/reseller.service";
import { EmailVerificationService } from "../verifications/email-verification.service";

const FETCHERS: Record<string, (ctx: Context, id: number) => Promise<Node | null>> = {
  Customer: CustomerService.byId,
  Contact: ContactService.byId,
  Product: ProductService.byId,
  Invoice: InvoiceService.byId,
  Reseller: ResellerService.byId,
  EmailVerification: EmailVerificationService.byId,
};

@Resolver()
export class NodeResolver {
  @Query(() => Node, { nullable: true, description: "Any object by its global id; null when it does not exist." })
  node(@Ctx() ctx: Context, @Arg("id", () => ID) id: string): Promise<Node | null> | null {
    const parsed = parseGlobalId(id);
    const fetch = parsed && FETCHERS[parsed.type];
    return fetch ? fetch(ctx, parsed.id) : null;
  }
}
