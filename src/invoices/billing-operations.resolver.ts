import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from "type-graphql";
import { Rule } from "../access/auth-checker";
import { IDEMPOTENCY_KEY_ARG } from "../idempotency/idempotency-keys";
import { Context } from "../platform/context";
import { DunningNode, InvoiceCreditInput } from "./billing-operations.types";
import { CreditNoteService } from "./credit-notes.service";
import { DunningService } from "./dunning.service";
import { InvoiceService } from "./invoice.service";
import { InvoiceNode, InvoicePayload } from "./invoice.types";

@Resolver(() => InvoiceNode)
export class InvoiceDunningResolver {
  @Authorized<Rule>("signed-in")
  @Mutation(() => InvoicePayload, {
    description:
      "A partial credit note: some lines (or part of their quantity) or amounts of an invoice, in the credit-note series, referring to it; returns the credit note. Staff admins and the customer's reseller.",
  })
  invoiceCredit(
    @Ctx() ctx: Context,
    @Arg("invoiceId", () => ID) invoiceId: string,
    @Arg("input") input: InvoiceCreditInput,
    @Arg("idempotencyKey", () => String, IDEMPOTENCY_KEY_ARG) idempotencyKey?: string | null,
  ): Promise<InvoicePayload> {
    return CreditNoteService.issue(ctx, invoiceId, input, idempotencyKey);
  }

  @FieldResolver(() => [DunningNode], { description: "The dunning levels sent for this invoice, in order." })
  dunnings(@Ctx() ctx: Context, @Root() invoice: InvoiceNode): Promise<DunningNode[]> {
    return DunningService.of(ctx, invoice.dbId);
  }
}

@Resolver(() => DunningNode)
export class DunningResolver {
  @FieldResolver(() => InvoiceNode, { nullable: true, description: "The invoice that bills this level's fee; none without a fee." })
  feeInvoice(@Ctx() ctx: Context, @Root() dunning: DunningNode): Promise<InvoiceNode | null> | null {
    return dunning.feeInvoiceId ? InvoiceService.byId(ctx, dunning.feeInvoiceId) : null;
  }
}
