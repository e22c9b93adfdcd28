import { Arg, Authorized, Ctx, FieldResolver, ID, Int, Mutation, Query, Resolver, Root } from "type-graphql";
import { Rule } from "../access/auth-checker";
import { IDEMPOTENCY_KEY_ARG } from "../idempotency/idempotency-keys";
import { Context } from "../platform/context";
import {
  DunningNode,
  InvoiceCreditInput,
  InvoiceRunFailure,
  InvoiceRunNode,
  InvoiceRunPayload,
  InvoiceRunStartInput,
} from "./billing-operations.types";
import { InvoiceRunService } from "./invoice-runs.service";
import { idOfType } from "../platform/global-id";
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

@Resolver(() => InvoiceRunNode)
export class InvoiceRunResolver {
  @Authorized<Rule>("staff:ADMIN")
  @Mutation(() => InvoiceRunPayload, {
    description:
      "Issues up to 500 invoices (a customer, its period and lines each) in the background and answers with the run at once. A customer and period already in a run is skipped. Staff admins.",
  })
  invoiceRunStart(
    @Ctx() ctx: Context,
    @Arg("input") input: InvoiceRunStartInput,
    @Arg("idempotencyKey", () => String, IDEMPOTENCY_KEY_ARG) idempotencyKey?: string | null,
  ): Promise<InvoiceRunPayload> {
    return InvoiceRunService.start(ctx, input, idempotencyKey);
  }

  @Authorized<Rule>("staff")
  @Query(() => InvoiceRunNode, { nullable: true, description: "An invoice run with its progress. Staff only." })
  invoiceRun(@Ctx() ctx: Context, @Arg("id", () => ID) id: string): Promise<InvoiceRunNode | null> {
    return InvoiceRunService.byId(ctx, idOfType(id, "InvoiceRun"));
  }

  @FieldResolver(() => [InvoiceRunFailure], { description: "The invoices that could not be issued, and why (the first ones)." })
  failures(
    @Ctx() ctx: Context,
    @Root() run: InvoiceRunNode,
    @Arg("first", () => Int, { defaultValue: 100 }) first: number,
  ): Promise<InvoiceRunFailure[]> {
    return InvoiceRunService.failures(ctx, run.dbId, Math.min(Math.max(first, 1), 100));
  }
}
