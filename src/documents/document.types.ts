import { IsOptional, MaxLength, MinLength } from "class-validator";
import { DateTimeResolver } from "graphql-scalars";
import { Field, ID, InputType, Int, ObjectType, registerEnumType } from "type-graphql";
import { connectionOf } from "../platform/pagination";
import { UserError } from "../platform/user-error";
import { ProductType } from "../products/product.enums";
import { DocumentCategory, DocumentVisibility } from "./document.enums";

registerEnumType(DocumentCategory, { name: "DocumentCategory" });
registerEnumType(DocumentVisibility, { name: "DocumentVisibility" });

@ObjectType("StoredFile", { description: "A file as stored: content-addressed by its SHA-256." })
export class StoredFileNode {
  @Field({ description: "The type its content showed on upload (sniffed, not what the uploader said)." })
  contentType: string;

  @Field(() => Int, { description: "Bytes." })
  size: number;

  @Field({ description: "SHA-256 of the bytes, hex." })
  sha256: string;
}

@ObjectType("DocumentVersion")
export class DocumentVersionNode {
  dbId: number;
  documentId: number;

  @Field(() => ID)
  id: string;

  @Field(() => Int)
  version: number;

  @Field()
  filename: string;

  @Field(() => StoredFileNode)
  file: StoredFileNode;

  @Field({ description: "Whether this is the version customers get." })
  current: boolean;

  @Field(() => DateTimeResolver)
  createdAt: Date;

  @Field({ description: "GET it with the bearer token: /documents/<version id>." })
  downloadUrl: string;
}

@ObjectType("Document", { description: "A document of the library: terms, price lists, forms, manuals, contracts." })
export class DocumentNode {
  dbId: number;
  customerId: number | null;
  currentVersionId: number | null;

  @Field(() => ID)
  id: string;

  @Field()
  titleDe: string;

  @Field()
  titleEn: string;

  @Field(() => DocumentCategory)
  category: DocumentCategory;

  @Field(() => DocumentVisibility)
  visibility: DocumentVisibility;

  @Field(() => ProductType, { nullable: true, description: "With visibility PRODUCT_TYPE: customers with a product of this type see it." })
  productType: ProductType | null;

  @Field(() => DateTimeResolver)
  createdAt: Date;
}
export const DocumentConnection = connectionOf(DocumentNode, "Document");

@InputType()
export class DocumentCreateInput {
  @Field()
  @MinLength(1)
  @MaxLength(200)
  titleDe: string;

  @Field()
  @MinLength(1)
  @MaxLength(200)
  titleEn: string;

  @Field(() => DocumentCategory)
  category: DocumentCategory;

  @Field(() => DocumentVisibility)
  visibility: DocumentVisibility;

  @Field(() => ProductType, { nullable: true, description: "Required with visibility PRODUCT_TYPE." })
  @IsOptional()
  productType?: ProductType;

  @Field(() => ID, { nullable: true, description: "Required with visibility CUSTOMER." })
  @IsOptional()
  @MaxLength(100)
  customerId?: string;
}

@ObjectType()
export class DocumentPayload {
  @Field(() => DocumentNode, { nullable: true })
  document?: DocumentNode;

  @Field(() => [UserError])
  userErrors: UserError[];
}
