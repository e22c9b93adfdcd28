import { Args, Authorized, Ctx, Query, Resolver } from "type-graphql";
import { Rule } from "../access/auth-checker";
import { Context } from "../platform/context";
import { decodeCursor, keysetCondition, OrderColumn, Page, PageArgs } from "../platform/pagination";
import { MailBounceConnection, MailBounceNode } from "./notification.types";

const ORDER: OrderColumn[] = [{ column: "address" }];

@Resolver()
export class NotificationResolver {
  @Authorized<Rule>("staff")
  @Query(() => MailBounceConnection, { description: "Addresses that bounce, by address: fix them at the customer or contact. Staff only." })
  async mailBounces(@Ctx() ctx: Context, @Args() args: PageArgs): Promise<Page<MailBounceNode>> {
    const after = args.after ? keysetCondition(ORDER, decodeCursor(args.after, ORDER)) : null;
    const rows: { address: string; error: string; bounces: number; first_bounced_at: Date; last_bounced_at: Date }[] = await ctx.db.query(
      `SELECT address, error, bounces, first_bounced_at, last_bounced_at FROM mail_bounces${after ? ` WHERE ${after.sql}` : ""} ORDER BY address LIMIT ?`,
      [...(after?.params ?? []), args.first + 1],
    );
    return new Page(
      rows.map((r) => ({
        address: r.address,
        error: r.error,
        bounces: r.bounces,
        firstBouncedAt: r.first_bounced_at,
        lastBouncedAt: r.last_bounced_at,
      })),
      rows.map((r) => r.address),
      args.first,
      !!args.after,
      async () => Number((await ctx.db.query("SELECT COUNT(*) AS n FROM mail_bounces"))[0].n),
    );
  }
}
