import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { Rule } from "../access/auth-checker";
import { CustomerNode } from "../customers/customer.types";
import { Context } from "../platform/context";
import { Page, PageArgs } from "../platform/pagination";
import { DocumentService } from "./document.service";
import { DocumentConnection, DocumentCreateInput, DocumentNode, DocumentPayload, DocumentVersionNode } from "./document.types";

@Resolver(() => DocumentNode)
export class DocumentResolver {
  @Authorized<Rule>("staff")
  @Query(() => DocumentConnection, { description: "Staff: every document of the library, published or not, newest first." })
  documents(@Ctx() ctx: Context, @Args() args: PageArgs): Promise<Page<DocumentNode>> {
    return DocumentService.list(ctx, args);
  }

  @Authorized<Rule>("staff")
  @Mutation(() => DocumentPayload, {
    description: "Staff: a new document (titles, category, who sees it). Its versions are uploaded to POST /documents/<id>/versions.",
  })
  documentCreate(@Ctx() ctx: Context, @Arg("input") input: DocumentCreateInput): Promise<DocumentPayload> {
    return DocumentService.create(ctx, input);
  }

  @Authorized<Rule>("staff")
  @Mutation(() => DocumentPayload, { description: "Staff: the version customers get from now on." })
  documentVersionSetCurrent(@Ctx() ctx: Context, @Arg("versionId", () => ID) versionId: string): Promise<DocumentPayload> {
    return DocumentService.setCurrentVersion(ctx, versionId);
  }

  @Authorized<Rule>("signed-in")
  @FieldResolver(() => DocumentVersionNode, { nullable: true, description: "The version customers get; null before the first upload." })
  currentVersion(@Ctx() ctx: Context, @Root() document: DocumentNode): Promise<DocumentVersionNode | null> {
    return DocumentService.currentVersion(ctx, document);
  }

  @Authorized<Rule>("staff")
  @FieldResolver(() => [DocumentVersionNode], { description: "Staff: every version, newest first." })
  versions(@Ctx() ctx: Context, @Root() document: DocumentNode): Promise<DocumentVersionNode[]> {
    return DocumentService.versions(ctx, document);
  }
}

@Resolver(() => CustomerNode)
export class CustomerDocumentsResolver {
  @Authorized<Rule>("customer:read")
  @FieldResolver(() => DocumentConnection, {
    description: "The documents this customer sees (for every customer, for its product types, for it alone), newest first.",
  })
  documents(@Ctx() ctx: Context, @Root() customer: CustomerNode, @Args() args: PageArgs): Promise<Page<DocumentNode>> {
    return DocumentService.ofCustomer(ctx, customer.dbId, args);
  }
}
