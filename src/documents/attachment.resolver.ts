import { Authorized, Ctx, FieldResolver, Resolver, Root } from "type-graphql";
import { Rule } from "../access/auth-checker";
import { ChangeRequestNode } from "../change-requests/change-request.types";
import { Context } from "../platform/context";
import { SupportRequestNode } from "../support-requests/support-request.types";
import { AttachmentService } from "./attachment.service";
import { AttachmentNode } from "./attachment.types";

@Resolver(() => ChangeRequestNode)
export class ChangeRequestAttachmentsResolver {
  @Authorized<Rule>("signed-in")
  @FieldResolver(() => [AttachmentNode], { description: "Files attached as proof (POST /change-requests/<id>/attachments)." })
  attachments(@Ctx() ctx: Context, @Root() request: ChangeRequestNode): Promise<AttachmentNode[]> {
    return AttachmentService.ofChangeRequest(ctx, request.dbId);
  }
}

@Resolver(() => SupportRequestNode)
export class SupportRequestAttachmentsResolver {
  @Authorized<Rule>("signed-in")
  @FieldResolver(() => [AttachmentNode], { description: "Files attached to the request (POST /support-requests/<id>/attachments)." })
  attachments(@Ctx() ctx: Context, @Root() request: SupportRequestNode): Promise<AttachmentNode[]> {
    return AttachmentService.ofSupportRequest(ctx, request.dbId);
  }
}
