import { GraphQLResolveInfo } from "graphql";
import { Arg, Authorized, Ctx, Info, Mutation, Resolver } from "type-graphql";
import { Rule } from "../access/auth-checker";
import { Context } from "../platform/context";
import { TrustedDocumentService } from "./trusted-documents.service";
import { TrustedDocumentsRegisterInput, TrustedDocumentsRegisterPayload } from "./trusted-documents.types";

@Resolver()
export class TrustedDocumentResolver {
  @Authorized<Rule>("staff:ADMIN")
  @Mutation(() => TrustedDocumentsRegisterPayload, {
    description:
      "Staff admins: registers GraphQL documents (a portal's operations) by their SHA-256, for every API process. With TRUSTED_DOCUMENTS_ONLY only registered documents run, except for staff and reseller API clients.",
  })
  trustedDocumentsRegister(
    @Ctx() ctx: Context,
    @Info() info: GraphQLResolveInfo,
    @Arg("input") input: TrustedDocumentsRegisterInput,
  ): Promise<TrustedDocumentsRegisterPayload> {
    return TrustedDocumentService.register(ctx, info.schema, input.documents);
  }
}
