import { Arg, Args, Authorized, Ctx, FieldResolver, ID, Mutation, Query, Resolver, Root } from "type-graphql";
import { Rule } from "../access/auth-checker";
import { Context } from "../platform/context";
import { Page, PageArgs } from "../platform/pagination";
import { WebhookService } from "./webhook.service";
import {
  WebhookDeliveryConnection,
  WebhookDeliveryNode,
  WebhookDeliveryReplayPayload,
  WebhookSubscriptionConnection,
  WebhookSubscriptionCreateInput,
  WebhookSubscriptionDeletePayload,
  WebhookSubscriptionNode,
  WebhookSubscriptionPayload,
  WebhookSubscriptionUpdateInput,
} from "./webhook.types";

// Resellers manage their own subscriptions (events of their customers only); staff admins manage
// staff integrations (every customer) and see every subscription. Foreign and unknown ids are
// refused alike (FORBIDDEN).
@Resolver(() => WebhookSubscriptionNode)
export class WebhookResolver {
  @Authorized<Rule>("staff", "reseller")
  @Query(() => WebhookSubscriptionConnection, { description: "Resellers: their webhook subscriptions. Staff: every subscription." })
  webhookSubscriptions(@Ctx() ctx: Context, @Args() args: PageArgs): Promise<Page<WebhookSubscriptionNode>> {
    return WebhookService.list(ctx, args);
  }

  @Authorized<Rule>("staff", "reseller")
  @FieldResolver(() => WebhookDeliveryConnection, {
    description: "The delivery log, newest first: one entry per event sent (replays are entries of their own).",
  })
  deliveries(
    @Ctx() ctx: Context,
    @Root() subscription: WebhookSubscriptionNode,
    @Args() args: PageArgs,
  ): Promise<Page<WebhookDeliveryNode>> {
    return WebhookService.deliveries(ctx, subscription, args);
  }

  @Authorized<Rule>("staff:ADMIN", "reseller")
  @Mutation(() => WebhookSubscriptionPayload, {
    description:
      "Subscribes a URL to events; the answer holds the signing secret, once. Resellers get their customers' events, staff admins every customer's. Step-up.",
  })
  webhookSubscriptionCreate(@Ctx() ctx: Context, @Arg("input") input: WebhookSubscriptionCreateInput): Promise<WebhookSubscriptionPayload> {
    return WebhookService.create(ctx, input);
  }

  @Authorized<Rule>("staff:ADMIN", "reseller")
  @Mutation(() => WebhookSubscriptionPayload, { description: "Changes the URL, the events or the description; enables or disables." })
  webhookSubscriptionUpdate(
    @Ctx() ctx: Context,
    @Arg("id", () => ID) id: string,
    @Arg("input") input: WebhookSubscriptionUpdateInput,
  ): Promise<WebhookSubscriptionPayload> {
    return WebhookService.update(ctx, id, input);
  }

  @Authorized<Rule>("staff:ADMIN", "reseller")
  @Mutation(() => WebhookSubscriptionDeletePayload, { description: "Deletes a subscription with its delivery log." })
  webhookSubscriptionDelete(@Ctx() ctx: Context, @Arg("id", () => ID) id: string): Promise<WebhookSubscriptionDeletePayload> {
    return WebhookService.delete(ctx, id);
  }

  @Authorized<Rule>("staff:ADMIN", "reseller")
  @Mutation(() => WebhookSubscriptionPayload, {
    description: "A new signing secret (in the answer, once). The previous one signs too for WEBHOOK_SECRET_OVERLAP. Step-up.",
  })
  webhookSubscriptionRotateSecret(@Ctx() ctx: Context, @Arg("id", () => ID) id: string): Promise<WebhookSubscriptionPayload> {
    return WebhookService.rotateSecret(ctx, id);
  }

  @Authorized<Rule>("staff:ADMIN", "reseller")
  @Mutation(() => WebhookDeliveryReplayPayload, { description: "Sends a delivery's event again (same webhook-id), as a new delivery." })
  webhookDeliveryReplay(@Ctx() ctx: Context, @Arg("deliveryId", () => ID) deliveryId: string): Promise<WebhookDeliveryReplayPayload> {
    return WebhookService.replay(ctx, deliveryId);
  }
}
