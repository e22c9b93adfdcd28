import { Args, Authorized, Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { Rule } from "../auth/auth-checker";
import { CustomerService } from "../customers/customer.service";
import { CustomerNode } from "../customers/customer.types";
import { Context } from "../platform/context";
import { Page } from "../platform/pagination";
import { ProductService } from "../products/product.service";
import { ProductNode } from "../products/product.types";
import { InvoiceService } from "./invoice.service";
import { InvoiceConnection, InvoiceLineNode, InvoiceNode, InvoicesArgs } from "./invoice.types";

@Resolver(() => InvoiceNode)
export class InvoiceResolver {
  @FieldResolver(() => CustomerNode)
  async customer(@Ctx() ctx: Context, @Root() invoice: InvoiceNode): Promise<CustomerNode> {
    return (await CustomerService.byId(ctx, invoice.customerId))!;
  }

  @FieldResolver(() => [InvoiceLineNode])
  lines(@Ctx() ctx: Context, @Root() invoice: InvoiceNode): Promise<InvoiceLineNode[]> {
    return InvoiceService.lines(ctx, invoice);
  }

  @FieldResolver(() => InvoiceNode, { nullable: true, description: "For a credit note: the invoice it cancels." })
  originalInvoice(@Ctx() ctx: Context, @Root() invoice: InvoiceNode): Promise<InvoiceNode | null> | null {
    return invoice.originalInvoiceId ? InvoiceService.byId(ctx, invoice.originalInvoiceId) : null;
  }
}

@Resolver(() => InvoiceLineNode)
export class InvoiceLineResolver {
  @FieldResolver(() => ProductNode, { nullable: true })
  product(@Ctx() ctx: Context, @Root() line: InvoiceLineNode): Promise<ProductNode | null> | null {
    return line.productId ? ProductService.byId(ctx, line.productId) : null;
  }
}

@Resolver(() => CustomerNode)
export class CustomerInvoicesResolver {
  @Authorized<Rule>("customer:billing")
  @FieldResolver(() => InvoiceConnection, { description: "Invoices and credit notes, newest first." })
  invoices(@Ctx() ctx: Context, @Root() customer: CustomerNode, @Args() args: InvoicesArgs): Promise<Page<InvoiceNode>> {
    return InvoiceService.pageOfCustomer(ctx, customer.dbId, args);
  }
}
