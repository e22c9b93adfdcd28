import { Arg, Authorized, Ctx, Mutation, Resolver } from "type-graphql";
import { Rule } from "../access/auth-checker";
import { CustomerPayload } from "../customers/customer.types";
import { Context } from "../platform/context";
import { MutationOutcome } from "../platform/user-error";
import { RecoveryPayload } from "./auth.types";
import { CustomerPasswordService } from "./customer-password.service";
import { CustomerPasswordResetInput, CustomerPasswordSetInput } from "./customer-password.types";

@Resolver()
export class CustomerPasswordResolver {
  @Authorized<Rule>("signed-in")
  @Mutation(() => CustomerPayload, {
    description:
      "Sets or changes the customer password (login with the customer number). The customer's ADMIN only; ends every other customer-number session.",
  })
  customerPasswordSet(@Ctx() ctx: Context, @Arg("input") input: CustomerPasswordSetInput): Promise<CustomerPayload> {
    return CustomerPasswordService.set(ctx, input);
  }

  @Authorized<Rule>("public")
  @Mutation(() => RecoveryPayload, {
    description:
      "No customer password yet, or forgotten: a single-use link valid for one hour goes to the customer's main email. The reply is the same either way.",
  })
  async customerPasswordResetRequest(@Ctx() ctx: Context, @Arg("customerNumber") customerNumber: string): Promise<RecoveryPayload> {
    return { message: "", ...(await CustomerPasswordService.requestReset(ctx, customerNumber)) };
  }

  @Authorized<Rule>("public")
  @Mutation(() => MutationOutcome, {
    description: "Sets the customer password with the token of the emailed link; ends every customer-number session.",
  })
  async customerPasswordReset(@Ctx() ctx: Context, @Arg("input") input: CustomerPasswordResetInput): Promise<MutationOutcome> {
    return { ok: false, ...(await CustomerPasswordService.reset(ctx, input.token, input.newPassword)) };
  }
}
