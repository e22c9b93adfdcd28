import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { DateTimeResolver } from "graphql-scalars";
import { Rule } from "../access/auth-checker";
import { IDEMPOTENCY_KEY_ARG } from "../idempotency/idempotency-keys";
import { CustomerNode } from "../customers/customer.types";
import { Context } from "../platform/context";
import { Page, PageArgs } from "../platform/pagination";
import { ProductNode } from "../products/product.types";
import { MaintenanceService } from "./maintenance.service";
import {
  AnnouncementConnection,
  AnnouncementNode,
  AnnouncementPayload,
  MaintenanceAnnounceInput,
  MaintenanceWindow,
  NoticeConnection,
  NoticeNode,
  NoticesArgs,
  NoticeStats,
} from "./maintenance.types";

@Resolver(() => AnnouncementNode)
export class MaintenanceResolver {
  @Authorized<Rule>("staff")
  @Mutation(() => AnnouncementPayload, {
    description: "Announces a maintenance window for products chosen by id or by type and/or plan; notices go out in the background.",
  })
  maintenanceAnnounce(
    @Ctx() ctx: Context,
    @Arg("input") input: MaintenanceAnnounceInput,
    @Arg("idempotencyKey", () => String, IDEMPOTENCY_KEY_ARG) idempotencyKey?: string | null,
  ): Promise<AnnouncementPayload> {
    return MaintenanceService.announce(ctx, input, idempotencyKey);
  }

  @Authorized<Rule>("staff")
  @Mutation(() => AnnouncementPayload, { description: "Moves the window; a follow-up goes to the same recipients." })
  maintenanceReschedule(
    @Ctx() ctx: Context,
    @Arg("id", () => ID) id: string,
    @Arg("startsAt", () => DateTimeResolver) startsAt: Date,
    @Arg("endsAt", () => DateTimeResolver) endsAt: Date,
  ): Promise<AnnouncementPayload> {
    return MaintenanceService.revise(ctx, id, { startsAt, endsAt });
  }

  @Authorized<Rule>("staff")
  @Mutation(() => AnnouncementPayload, { description: "Calls the maintenance off; a follow-up goes to the same recipients." })
  maintenanceCancel(@Ctx() ctx: Context, @Arg("id", () => ID) id: string): Promise<AnnouncementPayload> {
    return MaintenanceService.revise(ctx, id, { cancel: true });
  }

  @Authorized<Rule>("staff")
  @Query(() => AnnouncementConnection, { description: "Announcements, newest first. Staff only." })
  maintenanceAnnouncements(@Ctx() ctx: Context, @Args() args: PageArgs): Promise<Page<AnnouncementNode>> {
    return MaintenanceService.list(ctx, args);
  }

  @FieldResolver(() => NoticeStats, { description: "Notices of the current revision: queued, sent, failed." })
  noticeStats(@Ctx() ctx: Context, @Root() announcement: AnnouncementNode): Promise<NoticeStats> {
    return MaintenanceService.stats(ctx, announcement);
  }

  @FieldResolver(() => NoticeConnection, { description: "Per recipient of the current revision: status, products, error." })
  notices(@Ctx() ctx: Context, @Root() announcement: AnnouncementNode, @Args() args: NoticesArgs): Promise<Page<NoticeNode>> {
    return MaintenanceService.notices(ctx, announcement, args);
  }
}

@Resolver(() => MaintenanceWindow)
export class MaintenanceWindowResolver {
  @FieldResolver(() => [ProductNode])
  products(@Ctx() ctx: Context, @Root() window: MaintenanceWindow): Promise<ProductNode[]> {
    return MaintenanceService.productsOf(ctx, window);
  }
}

@Resolver(() => CustomerNode)
export class CustomerMaintenanceResolver {
  @Authorized<Rule>("customer:products")
  @FieldResolver(() => [MaintenanceWindow], { description: "Upcoming and current maintenance windows for this customer's products." })
  maintenanceWindows(@Ctx() ctx: Context, @Root() customer: CustomerNode): Promise<MaintenanceWindow[]> {
    return MaintenanceService.windowsOf(ctx, customer.dbId);
  }
}
