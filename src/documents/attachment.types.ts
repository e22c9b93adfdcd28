import { DateTimeResolver } from "graphql-scalars";
import { Field, ID, ObjectType } from "type-graphql";
import { StoredFileNode } from "./document.types";

@ObjectType("Attachment", { description: "A file attached to a change or support request (e.g. a Firmenbuchauszug)." })
export class AttachmentNode {
  dbId: number;
  customerId: number;
  changeRequestId: number | null;
  supportRequestId: number | null;

  @Field(() => ID)
  id: string;

  @Field()
  filename: string;

  @Field(() => StoredFileNode)
  file: StoredFileNode;

  @Field(() => DateTimeResolver)
  createdAt: Date;

  @Field({ description: "GET it with the bearer token: /attachments/<id>." })
  downloadUrl: string;
}
