import { DateTimeResolver, JSONObjectResolver } from "graphql-scalars";
import { Field, ObjectType, registerEnumType } from "type-graphql";
import { Node, NodeSource } from "../platform/node";
import { connectionOf } from "../platform/pagination";
import { ActorKind } from "./audit.enums";

registerEnumType(ActorKind, { name: "ActorKind" });

@ObjectType("AuditEntry", { implements: Node, description: "One recorded change: who, when, what." })
export class AuditEntryNode extends Node implements NodeSource {
  __typename: "AuditEntry";
  dbId: number;
  customerId: number | null;

  @Field(() => DateTimeResolver)
  at: Date;

  @Field(() => ActorKind)
  actorKind: ActorKind;

  @Field({ description: 'Who made the change, e.g. "Südstern Systemhaus (reseller 2) acting for customer 1000002".' })
  actor: string;

  @Field({ description: "What was done, e.g. customer.pin.regenerated." })
  action: string;

  @Field(() => JSONObjectResolver, { description: "What changed; never secrets." })
  details: Record<string, unknown>;
}

export const AuditEntryConnection = connectionOf(AuditEntryNode, "AuditEntry");
