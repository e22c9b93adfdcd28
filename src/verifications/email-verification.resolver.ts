import { Authorized, Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { Rule } from "../auth/auth-checker";
import { CustomerNode } from "../customers/customer.types";
import { Context } from "../platform/context";
import { EmailVerificationService } from "./email-verification.service";
import { EmailVerificationNode } from "./email-verification.types";

@Resolver(() => CustomerNode)
export class CustomerVerificationsResolver {
  @Authorized<Rule>("customer:settings")
  @FieldResolver(() => [EmailVerificationNode], { description: "Email changes waiting for confirmation, oldest first." })
  pendingEmailVerifications(@Ctx() ctx: Context, @Root() customer: CustomerNode): Promise<EmailVerificationNode[]> {
    return EmailVerificationService.pendingOfCustomer(ctx, customer.dbId);
  }
}
