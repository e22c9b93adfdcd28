import { DateTimeResolver } from "graphql-scalars";
import { Field, Int, ObjectType } from "type-graphql";
import { connectionOf } from "../platform/pagination";

@ObjectType("MailBounce", { description: "An address a receiving mail server rejected for good (SMTP 5xx). Mail to it fails at once." })
export class MailBounceNode {
  @Field({ description: "The address, in lower case." })
  address: string;

  @Field({ description: "The receiving server's last answer." })
  error: string;

  @Field(() => Int, { description: "How many messages to it were rejected." })
  bounces: number;

  @Field(() => DateTimeResolver)
  firstBouncedAt: Date;

  @Field(() => DateTimeResolver)
  lastBouncedAt: Date;
}

export const MailBounceConnection = connectionOf(MailBounceNode, "MailBounce");
