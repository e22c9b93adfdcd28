import { Arg, Authorized, Ctx, ID, Query, Resolver } from "type-graphql";
import { Rule } from "../access/auth-checker";
import { Context } from "../platform/context";
import { parseGlobalId } from "../platform/global-id";
import { Node } from "../platform/node";
import { authorizedNode, NODE_TYPES } from "./node-access";

@Resolver()
export class NodeResolver {
  @Authorized<Rule>("signed-in")
  @Query(() => Node, {
    nullable: true,
    description: "Any object by its global id. FORBIDDEN when it is outside the caller's scope; staff get null for ids that do not exist.",
  })
  async node(@Ctx() ctx: Context, @Arg("id", () => ID) id: string): Promise<Node | null> {
    const parsed = parseGlobalId(id);
    const type = parsed && NODE_TYPES[parsed.type];
    const node = type ? await type.fetch(ctx, parsed.id) : null;
    return authorizedNode(ctx, parsed?.type ?? "", parsed?.id ?? null, node);
  }
}
