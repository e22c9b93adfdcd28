import { ArrayMaxSize, ArrayMinSize, IsOptional, Matches, MaxLength, MinLength, ValidateNested } from "class-validator";
import { Field, InputType, Int, ObjectType } from "type-graphql";
import { UserError } from "../platform/user-error";

/** A document's text may be this long; a whole portal's operations are a few kilobytes each. */
export const DOCUMENT_MAX_LENGTH = 100_000;

@InputType({ description: "A GraphQL document to register, as a portal build's persisted-query manifest lists it." })
export class TrustedDocumentInput {
  @Field({ nullable: true, description: "Its SHA-256 in hex, as the manifest names it; checked against the text when given." })
  @IsOptional()
  @Matches(/^[0-9a-f]{64}$/, { message: "id must be the SHA-256 of the document in lower-case hex" })
  id?: string;

  @Field({ description: "The document's text, exactly as the client sends it." })
  @MinLength(1)
  @MaxLength(DOCUMENT_MAX_LENGTH)
  body: string;
}

@InputType()
export class TrustedDocumentsRegisterInput {
  @Field(() => [TrustedDocumentInput])
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @ValidateNested({ each: true })
  documents: TrustedDocumentInput[];
}

@ObjectType({ description: "A registered GraphQL document, named by its SHA-256." })
export class TrustedDocument {
  @Field({ description: "The SHA-256 of the text in hex: what clients send as extensions.persistedQuery.sha256Hash." })
  id: string;

  @Field(() => [String], { description: "The names of the operations in it." })
  operationNames: string[];
}

@ObjectType()
export class TrustedDocumentsRegisterPayload {
  @Field(() => [TrustedDocument], { nullable: true, description: "The documents of the input, registered now or before." })
  documents?: TrustedDocument[];

  @Field(() => Int, { nullable: true, description: "How many of them were not registered before." })
  added?: number;

  @Field(() => [UserError])
  userErrors: UserError[];
}
