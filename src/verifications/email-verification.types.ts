import { DateTimeResolver, EmailAddressResolver } from "graphql-scalars";
import { Field, ObjectType, registerEnumType } from "type-graphql";
import { Node, NodeSource } from "../platform/node";
import { UserError } from "../platform/user-error";
import { DeliveryState, EmailVerificationPurpose, EmailVerificationStatus } from "./email-verification.enums";

registerEnumType(EmailVerificationPurpose, { name: "EmailVerificationPurpose" });
registerEnumType(EmailVerificationStatus, { name: "EmailVerificationStatus" });
registerEnumType(DeliveryState, { name: "EmailDeliveryState" });

@ObjectType("EmailVerification", {
  implements: Node,
  description: "A requested email change, waiting for its confirmation link; the old address stays in use.",
})
export class EmailVerificationNode extends Node implements NodeSource {
  __typename: "EmailVerification";
  dbId: number;
  customerId: number | null;
  targetId: number;

  @Field(() => EmailVerificationPurpose)
  purpose: EmailVerificationPurpose;

  @Field(() => EmailAddressResolver)
  newEmail: string;

  @Field(() => EmailVerificationStatus)
  status: EmailVerificationStatus;

  @Field(() => DateTimeResolver)
  expiresAt: Date;

  @Field(() => DeliveryState, { description: "Whether the confirmation email went out." })
  deliveryState: DeliveryState;

  @Field(() => String, {
    nullable: true,
    description:
      "Why the confirmation email failed or is being retried: the receiving server's answer (e.g. an unknown mailbox). Null once it went out.",
  })
  deliveryError?: string;

  @Field(() => DateTimeResolver)
  createdAt: Date;
}

@ObjectType()
export class EmailVerificationPayload {
  @Field(() => EmailVerificationNode, { nullable: true })
  verification?: EmailVerificationNode;

  @Field(() => [UserError])
  userErrors: UserError[];
}
