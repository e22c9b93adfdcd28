import { DateTimeResolver, EmailAddressResolver } from "graphql-scalars";
import { Field, ObjectType, registerEnumType } from "type-graphql";
import { Node, NodeSource } from "../platform/node";
import { ContactType } from "./contact.entity";

registerEnumType(ContactType, {
  name: "ContactType",
  valuesConfig: {
    STANDARD: { description: "General contact; a customer always has at least one." },
    BILLING: { description: "Addressee of invoices (printed z. Hd.)." },
    TECHNICAL: { description: "Receives maintenance and security notices." },
    OWNER: { description: "Owner of the contract." },
    SIGNATORY: { description: "Authorised to sign." },
    OTHER: { description: "Anything else." },
  },
});

@ObjectType("Contact", { implements: Node, description: "A person at the customer (Ansprechpartner)." })
export class ContactNode extends Node implements NodeSource {
  __typename: "Contact";
  dbId: number;
  customerId: number;

  @Field(() => [ContactType])
  types: ContactType[];

  @Field({ nullable: true })
  salutation?: string;

  @Field()
  firstName: string;

  @Field()
  lastName: string;

  @Field(() => EmailAddressResolver, { description: "In use until a change is confirmed." })
  email: string;

  @Field({ description: "Whether the current email address has been confirmed." })
  emailConfirmed: boolean;

  @Field({ nullable: true, description: "E.164." })
  phone?: string;

  @Field({ description: "Whether a phone password is set; the password itself is never readable." })
  hasPhonePassword: boolean;

  @Field({ nullable: true, description: "Limits on orders this contact may place by phone." })
  restrictions?: string;

  @Field()
  receivesInvoices: boolean;

  @Field(() => DateTimeResolver)
  createdAt: Date;

  @Field(() => DateTimeResolver)
  updatedAt: Date;
}
