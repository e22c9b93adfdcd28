import { Args, Authorized, Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { Rule } from "../access/auth-checker";
import { CustomerNode } from "./customer.types";
import { Context } from "../platform/context";
import { Page, PageArgs } from "../platform/pagination";
import { AuditService } from "../audit/audit.service";
import { AuditEntryConnection, AuditEntryNode } from "../audit/audit.types";

@Resolver(() => CustomerNode)
export class CustomerAuditResolver {
  @Authorized<Rule>("customer:audit")
  @FieldResolver(() => AuditEntryConnection, {
    description: "Changes to this customer, newest first. The customer's ADMIN users and staff.",
  })
  auditLog(@Ctx() ctx: Context, @Root() customer: CustomerNode, @Args() args: PageArgs): Promise<Page<AuditEntryNode>> {
    return AuditService.pageOfCustomer(ctx, customer.dbId, args);
  }
}
