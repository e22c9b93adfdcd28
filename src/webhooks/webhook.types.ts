import { ArrayMaxSize, ArrayMinSize, IsOptional, MaxLength } from "class-validator";
import { DateTimeResolver } from "graphql-scalars";
import { Field, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { Node, NodeSource } from "../platform/node";
import { connectionOf } from "../platform/pagination";
import { UserError } from "../platform/user-error";
import { WebhookDeliveryStatus, WebhookEventType, WebhookSubscriptionStatus } from "./webhook.enums";

registerEnumType(WebhookEventType, {
  name: "WebhookEventType",
  description:
    "An event a subscription can ask for; the body's `type` is e.g. customer.updated, email_verification.confirmed (README, Webhooks).",
});
registerEnumType(WebhookSubscriptionStatus, { name: "WebhookSubscriptionStatus" });
registerEnumType(WebhookDeliveryStatus, { name: "WebhookDeliveryStatus" });

@ObjectType("WebhookSubscription", {
  implements: Node,
  description: "Signed POSTs (Standard Webhooks) of the chosen events to a URL. The signing secret is shown only when made.",
})
export class WebhookSubscriptionNode extends Node implements NodeSource {
  __typename: "WebhookSubscription";
  dbId: number;
  resellerId: number | null;

  @Field()
  url: string;

  @Field(() => [WebhookEventType])
  events: WebhookEventType[];

  @Field()
  description: string;

  @Field(() => WebhookSubscriptionStatus)
  status: WebhookSubscriptionStatus;

  @Field(() => Int, { description: "Deliveries that failed for good in a row; WEBHOOK_DISABLE_AFTER of them disable the subscription." })
  consecutiveFailures: number;

  @Field(() => DateTimeResolver, { nullable: true })
  disabledAt: Date | null;

  @Field(() => DateTimeResolver, { nullable: true, description: "Until when the previous secret still signs, after a rotation." })
  previousSecretExpiresAt: Date | null;

  @Field({ description: "Who is emailed when Konto disables the subscription." })
  ownerEmail: string;

  @Field(() => DateTimeResolver)
  createdAt: Date;
}

@ObjectType("WebhookDelivery", { implements: Node, description: "One event sent (or being sent) to one subscription." })
export class WebhookDeliveryNode extends Node implements NodeSource {
  __typename: "WebhookDelivery";
  dbId: number;
  subscriptionId: number;
  eventId: number;

  @Field({ description: "The `webhook-id` header: the same for every attempt and replay of one event." })
  messageId: string;

  @Field(() => WebhookEventType)
  eventType: WebhookEventType;

  @Field(() => WebhookDeliveryStatus)
  status: WebhookDeliveryStatus;

  @Field(() => Int)
  attempts: number;

  @Field(() => Int, { nullable: true, description: "The receiver's last HTTP status." })
  responseStatus: number | null;

  @Field(() => String, { nullable: true, description: "Why the last attempt failed." })
  error: string | null;

  @Field()
  replay: boolean;

  @Field(() => DateTimeResolver)
  createdAt: Date;

  @Field(() => DateTimeResolver, { nullable: true })
  lastAttemptAt: Date | null;
}

export const WebhookSubscriptionConnection = connectionOf(WebhookSubscriptionNode, "WebhookSubscription");
export const WebhookDeliveryConnection = connectionOf(WebhookDeliveryNode, "WebhookDelivery");

@InputType()
export class WebhookSubscriptionCreateInput {
  @Field({ description: "https:// in production; http://127.0.0.1 only outside production. No private addresses." })
  @MaxLength(2000)
  url: string;

  @Field(() => [WebhookEventType])
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  events: WebhookEventType[];

  @Field({ nullable: true, defaultValue: "" })
  @MaxLength(200)
  description: string;
}

@InputType()
export class WebhookSubscriptionUpdateInput {
  @Field({ nullable: true })
  @IsOptional()
  @MaxLength(2000)
  url?: string;

  @Field(() => [WebhookEventType], { nullable: true })
  @IsOptional()
  @ArrayMinSize(1)
  @ArrayMaxSize(20)
  events?: WebhookEventType[];

  @Field({ nullable: true })
  @IsOptional()
  @MaxLength(200)
  description?: string;

  @Field({ nullable: true, description: "false disables; true enables again and forgets earlier failures." })
  @IsOptional()
  enabled?: boolean;
}

@ObjectType()
export class WebhookSubscriptionPayload {
  @Field(() => WebhookSubscriptionNode, { nullable: true })
  subscription?: WebhookSubscriptionNode;

  @Field(() => String, {
    nullable: true,
    description: "The signing secret (whsec_…), only in the answer that made it: store it now, it is never shown again.",
  })
  secret?: string;

  @Field(() => [UserError])
  userErrors: UserError[];
}

@ObjectType()
export class WebhookSubscriptionDeletePayload {
  @Field(() => String, { nullable: true })
  deletedId?: string;

  @Field(() => [UserError])
  userErrors: UserError[];
}

@ObjectType()
export class WebhookDeliveryReplayPayload {
  @Field(() => WebhookDeliveryNode, { nullable: true, description: "The new delivery of the same event." })
  delivery?: WebhookDeliveryNode;

  @Field(() => [UserError])
  userErrors: UserError[];
}
