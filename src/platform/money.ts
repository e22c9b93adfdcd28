import { Field, Int, ObjectType } from "type-graphql";

@ObjectType({ description: "An amount in integer minor units (cents) with its ISO 4217 currency." })
export class Money {
  @Field(() => Int, { description: "Minor units, e.g. 1999 for 19.99." })
  amount: number;

  @Field({ description: "ISO 4217 code, e.g. EUR." })
  currency: string;
}

export const money = (amount: number, currency: string): Money => ({ amount, currency });
