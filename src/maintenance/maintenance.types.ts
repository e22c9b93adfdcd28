import { ArrayMaxSize, IsOptional, MaxLength, MinLength } from "class-validator";
import { DateTimeResolver } from "graphql-scalars";
import { ArgsType, Field, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { Node, NodeSource } from "../platform/node";
import { connectionOf, PageArgs } from "../platform/pagination";
import { UserError } from "../platform/user-error";
import { ProductNode } from "../products/product.types";
import { ProductType } from "../products/product.enums";
import { AnnouncementKind, AnnouncementStatus, NoticeStatus } from "./maintenance.enums";

registerEnumType(AnnouncementKind, {
  name: "AnnouncementKind",
  valuesConfig: {
    SECURITY: { description: "Security notices cannot be turned off." },
    OUTAGE: { description: "Outage notices cannot be turned off." },
  },
});
registerEnumType(AnnouncementStatus, { name: "AnnouncementStatus" });
registerEnumType(NoticeStatus, { name: "NoticeStatus" });

@ObjectType({ description: "How far the notices of an announcement's current revision are." })
export class NoticeStats {
  @Field(() => Int)
  queued: number;

  @Field(() => Int)
  sent: number;

  @Field(() => Int)
  failed: number;
}

@ObjectType("MaintenanceNotice", { description: "One recipient of one revision of an announcement." })
export class NoticeNode {
  dbId: number;

  @Field()
  recipient: string;

  @Field(() => Int, { description: "1 for the announcement, higher for follow-ups." })
  revision: number;

  @Field(() => NoticeStatus)
  status: NoticeStatus;

  @Field(() => Int, { description: "How many of the recipient's products are affected." })
  productCount: number;

  @Field({ nullable: true })
  error?: string;

  @Field(() => DateTimeResolver, { nullable: true })
  sentAt?: Date;
}

export const NoticeConnection = connectionOf(NoticeNode, "MaintenanceNotice");

@ObjectType("MaintenanceAnnouncement", {
  implements: Node,
  description: "A maintenance window announced to the technical contacts of the affected customers. Staff only.",
})
export class AnnouncementNode extends Node implements NodeSource {
  __typename: "MaintenanceAnnouncement";
  dbId: number;

  @Field(() => AnnouncementKind)
  kind: AnnouncementKind;

  @Field()
  titleDe: string;

  @Field()
  titleEn: string;

  @Field()
  messageDe: string;

  @Field()
  messageEn: string;

  @Field(() => DateTimeResolver)
  startsAt: Date;

  @Field(() => DateTimeResolver)
  endsAt: Date;

  @Field(() => AnnouncementStatus)
  status: AnnouncementStatus;

  @Field(() => Int, { description: "Increases with each reschedule or cancellation; each revision is sent to the same recipients." })
  revision: number;

  @Field(() => Int)
  affectedProductCount: number;

  @Field(() => Int)
  affectedCustomerCount: number;

  @Field(() => DateTimeResolver)
  createdAt: Date;
}

export const AnnouncementConnection = connectionOf(AnnouncementNode, "MaintenanceAnnouncement");

@ObjectType({ description: "A maintenance window that touches the customer's products." })
export class MaintenanceWindow {
  @Field(() => ID)
  announcementId: string;

  @Field(() => AnnouncementKind)
  kind: AnnouncementKind;

  @Field({ description: "In the customer's language." })
  title: string;

  @Field({ description: "In the customer's language." })
  message: string;

  @Field(() => DateTimeResolver)
  startsAt: Date;

  @Field(() => DateTimeResolver)
  endsAt: Date;

  @Field({ description: "Whether the window has begun." })
  current: boolean;

  productIds: number[];
  customerId: number;

  @Field(() => [ProductNode], { description: "The customer's products in this window." })
  products: ProductNode[];
}

@InputType({ description: "Which products are affected: a list of ids, or a product type and/or plan." })
export class ProductSelectionInput {
  @Field(() => [ID], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(10_000)
  productIds?: string[];

  @Field(() => ProductType, { nullable: true })
  @IsOptional()
  type?: ProductType;

  @Field({ nullable: true })
  @IsOptional()
  @MaxLength(100)
  plan?: string;
}

@InputType()
export class MaintenanceAnnounceInput {
  @Field(() => AnnouncementKind, { defaultValue: AnnouncementKind.MAINTENANCE })
  kind: AnnouncementKind;

  @Field()
  @MinLength(1)
  @MaxLength(200)
  titleDe: string;

  @Field()
  @MinLength(1)
  @MaxLength(200)
  titleEn: string;

  @Field()
  @MinLength(1)
  @MaxLength(5000)
  messageDe: string;

  @Field()
  @MinLength(1)
  @MaxLength(5000)
  messageEn: string;

  @Field(() => DateTimeResolver)
  startsAt: Date;

  @Field(() => DateTimeResolver)
  endsAt: Date;

  @Field(() => ProductSelectionInput)
  products: ProductSelectionInput;
}

@ObjectType()
export class AnnouncementPayload {
  @Field(() => AnnouncementNode, { nullable: true })
  announcement?: AnnouncementNode;

  @Field(() => [UserError])
  userErrors: UserError[];
}

@ArgsType()
export class NoticesArgs extends PageArgs {
  @Field(() => NoticeStatus, { nullable: true })
  status?: NoticeStatus;
}
