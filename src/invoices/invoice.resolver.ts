import { EmailAddressResolver } from "graphql-scalars";
import { Row } from "../platform/rows";
import { LocalDate } from "../platform/local-date";
import { GraphQLResolveInfo } from "graphql";
import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Info, Mutation, Resolver, Root } from "type-graphql";
import { PaymentMethod } from "../customers/customer.enums";
import { badInput } from "../platform/errors";
import { Money, money } from "../platform/money";
import { BillingService } from "./billing.service";
import { transferTerms } from "./invoice-documents";
import { Rule } from "../access/auth-checker";
import { IDEMPOTENCY_KEY_ARG } from "../idempotency/idempotency-keys";
import { CustomerService } from "../customers/customer.service";
import { CustomerNode } from "../customers/customer.types";
import { Context } from "../platform/context";
import { Page } from "../platform/pagination";
import { selectedFields } from "../platform/projection";
import { ProductService } from "../products/product.service";
import { ProductNode } from "../products/product.types";
import { InvoiceService } from "./invoice.service";
import { VatCategory, vatNote } from "./vat";
import {
  InvoiceConnection,
  InvoiceDelivery,
  InvoiceIssueInput,
  InvoiceLineNode,
  InvoiceNode,
  InvoicePayload,
  InvoicesArgs,
  PaymentPayload,
  PaymentRecordInput,
  PaymentTermsView,
  StatementEntry,
  VatBreakdownLine,
} from "./invoice.types";

const PDF_LINK_SECONDS = 300;

@Resolver(() => InvoiceNode)
export class InvoiceResolver {
  @Authorized<Rule>("signed-in")
  @Mutation(() => InvoicePayload, {
    description:
      "Issues an invoice: gapless number, server-side totals, snapshots of address and addressees. Staff admins and the customer's reseller.",
  })
  invoiceIssue(
    @Ctx() ctx: Context,
    @Arg("input") input: InvoiceIssueInput,
    @Arg("idempotencyKey", () => String, IDEMPOTENCY_KEY_ARG) idempotencyKey?: string | null,
  ): Promise<InvoicePayload> {
    return BillingService.issue(ctx, input, idempotencyKey);
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => InvoicePayload, {
    description: "Cancels an invoice with a credit note (own number series) that refers to it; returns the credit note.",
  })
  invoiceCancel(
    @Ctx() ctx: Context,
    @Arg("invoiceId", () => ID) invoiceId: string,
    @Arg("reason") reason: string,
    @Arg("idempotencyKey", () => String, IDEMPOTENCY_KEY_ARG) idempotencyKey?: string | null,
  ): Promise<InvoicePayload> {
    return BillingService.cancel(ctx, invoiceId, reason, idempotencyKey);
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => InvoicePayload, { description: "Emails the invoice again, to a confirmed address of the customer. ADMIN or BILLING." })
  invoiceResend(
    @Ctx() ctx: Context,
    @Arg("invoiceId", () => ID) invoiceId: string,
    @Arg("email", () => EmailAddressResolver) email: string,
  ): Promise<InvoicePayload> {
    return BillingService.resend(ctx, invoiceId, email);
  }

  @Authorized<Rule>("staff")
  @Mutation(() => PaymentPayload, { description: "Staff or a bank import: money received. An invoice paid in full becomes PAID." })
  paymentRecord(
    @Ctx() ctx: Context,
    @Arg("input") input: PaymentRecordInput,
    @Arg("idempotencyKey", () => String, IDEMPOTENCY_KEY_ARG) idempotencyKey?: string | null,
  ): Promise<PaymentPayload> {
    return BillingService.recordPayment(ctx, input, idempotencyKey);
  }

  @FieldResolver(() => [VatBreakdownLine], { description: "Net and VAT per category and rate, as issued." })
  vatBreakdown(@Root() invoice: InvoiceNode): VatBreakdownLine[] {
    return invoice.breakdown.map((b) => ({
      category: b.category as VatCategory,
      rate: Number(b.rate),
      note: vatNote(b) ?? undefined,
      net: money(b.net, invoice.gross.currency),
      vat: money(b.vat, invoice.gross.currency),
    }));
  }

  @FieldResolver(() => PaymentTermsView, { description: "How it is paid, as issued." })
  paymentTerms(@Ctx() ctx: Context, @Root() invoice: InvoiceNode): PaymentTermsView {
    const terms = invoice.terms ?? transferTerms(ctx.config, invoice.number);
    return terms.method === "SEPA_DIRECT_DEBIT"
      ? { method: PaymentMethod.SEPA_DIRECT_DEBIT, mandateReference: terms.mandateReference, debitDate: terms.debitDate }
      : { method: PaymentMethod.BANK_TRANSFER, iban: terms.iban, paymentReference: terms.paymentReference };
  }

  @FieldResolver(() => [InvoiceDelivery], { description: "Every email of this invoice, one per recipient and sending." })
  async deliveries(@Ctx() ctx: Context, @Root() invoice: InvoiceNode): Promise<InvoiceDelivery[]> {
    const rows = await ctx.db.query("SELECT recipient, status, updated_at, error FROM mail_deliveries WHERE invoice_id = ? ORDER BY id", [
      invoice.dbId,
    ]);
    return rows.map((r: Row) => ({ recipient: r.recipient, status: r.status, updatedAt: r.updated_at, error: r.error ?? undefined }));
  }

  @FieldResolver(() => String, { description: `A link to the PDF that works without a token for ${PDF_LINK_SECONDS / 60} minutes.` })
  async pdfUrl(@Ctx() ctx: Context, @Root() invoice: InvoiceNode): Promise<string> {
    const token = await ctx.auth.tokens.signLink("invoice-pdf", invoice.id, PDF_LINK_SECONDS);
    return `${ctx.config.publicUrl}/invoices/${invoice.id}.pdf?token=${token}`;
  }

  @FieldResolver(() => String, {
    description: `A link to the e-invoice (EN 16931 CII XML; XRechnung when the invoice was issued in that format) that works without a token for ${PDF_LINK_SECONDS / 60} minutes.`,
  })
  async xmlUrl(@Ctx() ctx: Context, @Root() invoice: InvoiceNode): Promise<string> {
    const token = await ctx.auth.tokens.signLink("invoice-pdf", invoice.id, PDF_LINK_SECONDS);
    return `${ctx.config.publicUrl}/invoices/${invoice.id}.xml?token=${token}`;
  }

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
  @FieldResolver(() => Money, { description: "Invoices and credit notes minus payments; positive means the customer owes." })
  async balance(@Ctx() ctx: Context, @Root() customer: CustomerNode): Promise<Money> {
    return money(await BillingService.balance(ctx, customer), "EUR");
  }

  @Authorized<Rule>("customer:billing")
  @FieldResolver(() => [StatementEntry], {
    description: "Invoices, credit notes and payments in date order with the running balance; at most 3 years at once.",
  })
  accountStatement(
    @Ctx() ctx: Context,
    @Root() customer: CustomerNode,
    @Arg("from", () => LocalDate) from: string,
    @Arg("to", () => LocalDate) to: string,
  ): Promise<StatementEntry[]> {
    if (from > to || Date.parse(to) - Date.parse(from) > 3 * 366 * 86_400_000)
      throw badInput("from must be before to, at most 3 years apart", { field: "from" });
    return BillingService.statement(ctx, customer, from, to);
  }

  @Authorized<Rule>("customer:billing")
  @FieldResolver(() => InvoiceConnection, { description: "Invoices and credit notes, newest first." })
  invoices(
    @Ctx() ctx: Context,
    @Root() customer: CustomerNode,
    @Args() args: InvoicesArgs,
    @Info() info: GraphQLResolveInfo,
  ): Promise<Page<InvoiceNode>> {
    return InvoiceService.pageOfCustomer(ctx, customer.dbId, args, selectedFields(info, true));
  }
}
