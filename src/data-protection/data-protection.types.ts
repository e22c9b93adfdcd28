import { IsOptional, MaxLength } from "class-validator";
import { DateTimeResolver } from "graphql-scalars";
import { ArgsType, Field, ID, InputType, ObjectType, registerEnumType } from "type-graphql";
import { StoredFileNode } from "../documents/document.types";
import { connectionOf, PageArgs } from "../platform/pagination";
import { UserError } from "../platform/user-error";
import { ClosureStatus, DataExportStatus, DpaStatus } from "./data-protection.enums";

registerEnumType(DpaStatus, { name: "DpaStatus" });
registerEnumType(DataExportStatus, { name: "DataExportStatus" });
registerEnumType(ClosureStatus, { name: "ClosureStatus" });

@ObjectType("DpaVersion", {
  description: "A version of the data-processing agreement (Vereinbarung zur Auftragsverarbeitung): its legal text as a PDF.",
})
export class DpaVersionNode {
  dbId: number;

  @Field(() => ID)
  id: string;

  @Field({ description: "e.g. 2026-11" })
  label: string;

  @Field(() => StoredFileNode)
  file: StoredFileNode;

  @Field(() => DateTimeResolver)
  publishedAt: Date;

  @Field({ description: "GET it with a bearer token: /dpa/<version id>.pdf." })
  downloadUrl: string;
}

@ObjectType("DpaAcceptance", { description: "The record of an acceptance: who, when, from which address, which text (by hash)." })
export class DpaAcceptanceNode {
  dbId: number;
  customerId: number;
  versionId: number;

  @Field(() => ID)
  id: string;

  @Field(() => DpaVersionNode)
  version: DpaVersionNode;

  @Field({ description: "SHA-256 of the accepted PDF, hex." })
  sha256: string;

  @Field()
  acceptedBy: string;

  @Field(() => DateTimeResolver)
  acceptedAt: Date;

  @Field()
  ipAddress: string;

  @Field({ description: "The acceptance certificate Konto renders: GET /dpa/acceptances/<id>.pdf with a bearer token." })
  certificateUrl: string;
}

@ObjectType("DataProcessingAgreement", { description: "A customer's standing with the data-processing agreement." })
export class DataProcessingAgreementNode {
  @Field(() => DpaStatus)
  status: DpaStatus;

  @Field(() => DpaVersionNode, { nullable: true, description: "The version in force, to read and accept." })
  currentVersion: DpaVersionNode | null;

  @Field(() => DpaAcceptanceNode, { nullable: true, description: "The customer's latest acceptance, shown next to the agreement." })
  acceptance: DpaAcceptanceNode | null;
}

@ObjectType()
export class DpaAcceptancePayload {
  @Field(() => DpaAcceptanceNode, { nullable: true })
  acceptance?: DpaAcceptanceNode;

  @Field(() => [UserError])
  userErrors: UserError[];
}

@ObjectType("DataExport", { description: "An export of everything Konto holds about a customer, as a ZIP of JSON files and PDFs." })
export class DataExportNode {
  dbId: number;
  customerId: number;

  @Field(() => ID)
  id: string;

  @Field(() => DataExportStatus)
  status: DataExportStatus;

  @Field()
  requestedBy: string;

  @Field(() => DateTimeResolver)
  createdAt: Date;

  @Field(() => DateTimeResolver, { nullable: true })
  readyAt: Date | null;

  @Field(() => DateTimeResolver, { nullable: true, description: "The emailed link works until then." })
  expiresAt: Date | null;
}
export const DataExportConnection = connectionOf(DataExportNode, "DataExport");

@ObjectType()
export class DataExportPayload {
  @Field(() => DataExportNode, { nullable: true })
  dataExport?: DataExportNode;

  @Field(() => [UserError])
  userErrors: UserError[];
}

@ObjectType("ClosureRequest", { description: "A customer's request to close its account, which staff review." })
export class ClosureRequestNode {
  dbId: number;
  customerId: number;

  @Field(() => ID)
  id: string;

  @Field(() => ClosureStatus)
  status: ClosureStatus;

  @Field({ nullable: true })
  reason: string;

  @Field()
  requestedBy: string;

  @Field({ nullable: true, description: "Why staff rejected it." })
  decisionReason: string;

  @Field(() => DateTimeResolver)
  createdAt: Date;

  @Field(() => DateTimeResolver, { nullable: true })
  decidedAt: Date | null;

  @Field(() => DateTimeResolver, { nullable: true, description: "When the personal data was erased." })
  completedAt: Date | null;
}
export const ClosureRequestConnection = connectionOf(ClosureRequestNode, "ClosureRequest");

@InputType()
export class ClosureRequestInput {
  @Field({ nullable: true })
  @IsOptional()
  @MaxLength(2000)
  reason?: string;
}

@ObjectType()
export class ClosureRequestPayload {
  @Field(() => ClosureRequestNode, { nullable: true })
  closureRequest?: ClosureRequestNode;

  @Field(() => [UserError])
  userErrors: UserError[];
}

@ArgsType()
export class ClosureRequestPageArgs extends PageArgs {
  @Field(() => ClosureStatus, { nullable: true, description: "Only requests in this state." })
  @IsOptional()
  status?: ClosureStatus;
}

@ArgsType()
export class DpaStatusPageArgs extends PageArgs {
  @Field(() => DpaStatus)
  status: DpaStatus;
}
