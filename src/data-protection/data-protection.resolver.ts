import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { Rule } from "../access/auth-checker";
import { CustomerConnection, CustomerNode } from "../customers/customer.types";
import { Context } from "../platform/context";
import { Page, PageArgs } from "../platform/pagination";
import { ClosureService } from "./closure.service";
import { DataExportService } from "./data-export.service";
import {
  ClosureRequestConnection,
  ClosureRequestInput,
  ClosureRequestPageArgs,
  ClosureRequestNode,
  ClosureRequestPayload,
  DataExportConnection,
  DataExportNode,
  DataExportPayload,
  DataProcessingAgreementNode,
  DpaAcceptancePayload,
  DpaStatusPageArgs,
  DpaVersionNode,
} from "./data-protection.types";
import { DpaService } from "./dpa.service";

@Resolver()
export class DataProtectionResolver {
  @Authorized<Rule>("staff")
  @Query(() => [DpaVersionNode], {
    description: "Staff: every version of the data-processing agreement, newest first (publish: POST /dpa/versions).",
  })
  dpaVersions(@Ctx() ctx: Context): Promise<DpaVersionNode[]> {
    return DpaService.versions(ctx);
  }

  @Authorized<Rule>("staff")
  @Query(() => CustomerConnection, { description: "Staff: open customers by their standing with the data-processing agreement in force." })
  customersByDpaStatus(@Ctx() ctx: Context, @Args() args: DpaStatusPageArgs): Promise<Page<CustomerNode>> {
    return DpaService.customersByStatus(ctx, args);
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => DpaAcceptancePayload, {
    description:
      "The customer's ADMIN accepts the version in force (named by id: an older one is a CONFLICT); who, when, from where and the text's hash are recorded.",
  })
  dataProcessingAgreementAccept(
    @Ctx() ctx: Context,
    @Arg("customerId", () => ID) customerId: string,
    @Arg("versionId", () => ID) versionId: string,
  ): Promise<DpaAcceptancePayload> {
    return DpaService.accept(ctx, customerId, versionId);
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => DataExportPayload, {
    description:
      "The customer's ADMIN asks for an export of all its data (GDPR Art. 15/20); a link valid 7 days comes by email. One at a time.",
  })
  dataExportRequest(@Ctx() ctx: Context, @Arg("customerId", () => ID) customerId: string): Promise<DataExportPayload> {
    return DataExportService.request(ctx, customerId);
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => ClosureRequestPayload, { description: "The customer's ADMIN asks to close the account; staff review it." })
  customerClosureRequest(
    @Ctx() ctx: Context,
    @Arg("customerId", () => ID) customerId: string,
    @Arg("input", () => ClosureRequestInput, { defaultValue: {} }) input: ClosureRequestInput,
  ): Promise<ClosureRequestPayload> {
    return ClosureService.request(ctx, customerId, input);
  }

  @Authorized<Rule>("staff")
  @Query(() => ClosureRequestConnection, {
    description: "Staff: closure requests, newest first; status PENDING, APPROVED, COMPLETED or REJECTED.",
  })
  closureRequests(@Ctx() ctx: Context, @Args() args: ClosureRequestPageArgs): Promise<Page<ClosureRequestNode>> {
    return ClosureService.list(ctx, args);
  }

  @Authorized<Rule>("staff:ADMIN")
  @Mutation(() => ClosureRequestPayload, {
    description:
      "Staff ADMIN: close the account. Logins end at once; the main email is told, then personal data is erased; invoices are kept.",
  })
  closureRequestApprove(@Ctx() ctx: Context, @Arg("id", () => ID) id: string): Promise<ClosureRequestPayload> {
    return ClosureService.decide(ctx, id, true, "");
  }

  @Authorized<Rule>("staff")
  @Mutation(() => ClosureRequestPayload)
  closureRequestReject(
    @Ctx() ctx: Context,
    @Arg("id", () => ID) id: string,
    @Arg("reason") reason: string,
  ): Promise<ClosureRequestPayload> {
    return ClosureService.decide(ctx, id, false, reason);
  }
}

@Resolver(() => CustomerNode)
export class CustomerDataProtectionResolver {
  @Authorized<Rule>("customer:dataProtection")
  @FieldResolver(() => DataProcessingAgreementNode, {
    description: "The data-processing agreement: the version in force, the customer's latest acceptance and its certificate.",
  })
  dataProcessingAgreement(@Ctx() ctx: Context, @Root() customer: CustomerNode): Promise<DataProcessingAgreementNode> {
    return DpaService.ofCustomer(ctx, customer);
  }

  @Authorized<Rule>("customer:dataProtection")
  @FieldResolver(() => DataExportConnection, { description: "Exports of the customer's data, newest first." })
  dataExports(@Ctx() ctx: Context, @Root() customer: CustomerNode, @Args() args: PageArgs): Promise<Page<DataExportNode>> {
    return DataExportService.ofCustomer(ctx, customer, args);
  }

  @Authorized<Rule>("customer:dataProtection")
  @FieldResolver(() => ClosureRequestConnection, { description: "Requests to close the account, newest first." })
  closureRequests(@Ctx() ctx: Context, @Root() customer: CustomerNode, @Args() args: PageArgs): Promise<Page<ClosureRequestNode>> {
    return ClosureService.ofCustomer(ctx, customer, args);
  }
}
