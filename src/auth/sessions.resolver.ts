import { Arg, Authorized, Ctx, Field, FieldResolver, ID, Mutation, ObjectType, Resolver, Root } from "type-graphql";
import { DateTimeResolver } from "graphql-scalars";
import { Rule } from "../access/auth-checker";
import { CustomerNode } from "../customers/customer.types";
import { Context } from "../platform/context";
import { toGlobalId } from "../platform/global-id";
import { MutationOutcome } from "../platform/user-error";
import { Viewer } from "./auth.types";
import { SessionRow } from "./sessions";
import { SessionAccess } from "./session-access";

@ObjectType("Session", { description: "A signed-in device or program: one login, kept alive by its refresh token." })
export class SessionInfo {
  @Field(() => ID)
  id: string;

  @Field(() => String, { nullable: true, description: "The User-Agent the session signed in with." })
  userAgent: string | null;

  @Field(() => String, { nullable: true, description: "The address the session signed in from." })
  ipAddress: string | null;

  @Field(() => DateTimeResolver)
  createdAt: Date;

  @Field(() => DateTimeResolver, { description: "When a request last used it, to the minute." })
  lastUsedAt: Date;

  @Field({ description: "Whether this is the session of the request's own access token." })
  current: boolean;
}

const toInfo = (ctx: Context, row: SessionRow): SessionInfo => ({
  id: toGlobalId("Session", row.id),
  userAgent: row.userAgent,
  ipAddress: row.ipAddress,
  createdAt: row.createdAt,
  lastUsedAt: row.lastUsedAt,
  current: ctx.principal.kind !== "anonymous" && ctx.principal.sessionId === row.id,
});

@Resolver(() => Viewer)
export class ViewerSessionsResolver {
  @Authorized<Rule>("signed-in")
  @FieldResolver(() => [SessionInfo], { description: "The caller's own sessions that have not ended, most recently used first." })
  async sessions(@Ctx() ctx: Context): Promise<SessionInfo[]> {
    return (await SessionAccess.ownSessions(ctx)).map((row) => toInfo(ctx, row));
  }
}

@Resolver(() => CustomerNode)
export class CustomerSessionsResolver {
  @Authorized<Rule>("customer:sessions")
  @FieldResolver(() => [SessionInfo], {
    description: "Sessions of the customer-number login (customer number + customer password), most recently used first.",
  })
  async sessions(@Ctx() ctx: Context, @Root() customer: CustomerNode): Promise<SessionInfo[]> {
    return (await SessionAccess.customerSessions(ctx, customer.dbId)).map((row) => toInfo(ctx, row));
  }
}

@Resolver()
export class SessionResolver {
  @Authorized<Rule>("signed-in")
  @Mutation(() => MutationOutcome, {
    description:
      "Ends a session: one of the caller's own, or one of the customer-number login of a customer whose sessions the caller manages. Its access tokens stop at the next request.",
  })
  async authSessionRevoke(@Ctx() ctx: Context, @Arg("id", () => ID) id: string): Promise<MutationOutcome> {
    return { ok: false, ...(await SessionAccess.revoke(ctx, id)) };
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => MutationOutcome, { description: "Ends every session of the caller's login except the current one." })
  async authSessionsRevokeOthers(@Ctx() ctx: Context): Promise<MutationOutcome> {
    return { ok: false, ...(await SessionAccess.revokeOthers(ctx)) };
  }
}
