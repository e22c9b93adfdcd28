import { Arg, Authorized, Ctx, Mutation, Resolver } from "type-graphql";
import { Rule } from "../access/auth-checker";
import { IDEMPOTENCY_KEY_ARG } from "../idempotency/idempotency-keys";
import { CustomerAdminService } from "../customers/customer-admin.service";
import { CustomerService } from "../customers/customer.service";
import { CustomerCreateInput, CustomerPayload } from "../customers/customer.types";
import { Context } from "../platform/context";
import { refuseAny } from "../platform/user-error";
import { mutateUntargeted } from "../unit-of-work/unit-of-work";
import { ContactEditService } from "./contact-edit.service";

/**
 * Creating a customer writes two modules' tables, the customer and its first contact, in one unit
 * of work. It lives here because contacts sit above customers: each module writes its own rows.
 */
@Resolver()
export class CustomerCreateResolver {
  @Authorized<Rule>("reseller", "staff:ADMIN")
  @Mutation(() => CustomerPayload, { description: "A new customer with its first STANDARD contact. Resellers create under themselves." })
  customerCreate(
    @Ctx() ctx: Context,
    @Arg("input") input: CustomerCreateInput,
    @Arg("idempotencyKey", () => String, IDEMPOTENCY_KEY_ARG) idempotencyKey?: string | null,
  ): Promise<CustomerPayload> {
    const resellerId = CustomerAdminService.resellerOfNewCustomer(ctx, input);
    const country = input.address.countryCode;
    return mutateUntargeted(ctx, {
      idempotency: { key: idempotencyKey, operation: "customerCreate", input },
      write: async (uow) => {
        // Every problem of the customer and of its contact in one answer.
        refuseAny([
          ...(await CustomerAdminService.newCustomerProblems(uow.tx, input, resellerId)),
          ...ContactEditService.firstContactProblems(input.contact, country),
        ]);
        const customer = await CustomerAdminService.insert(uow, input, resellerId);
        await ContactEditService.insertFirst(uow, ctx, customer.dbId, input.contact, country);
        return customer.dbId;
      },
      reply: async (customerId) => ({ customer: (await CustomerService.byId(ctx, customerId)) ?? undefined }),
    });
  }
}
