import { IsEmail, MaxLength, MinLength } from "class-validator";
import { DateTimeResolver, EmailAddressResolver, JSONResolver } from "graphql-scalars";
import { Field, InputType, ObjectType, registerEnumType } from "type-graphql";
import { CustomerNode } from "../customers/customer.types";
import { UserError } from "../platform/user-error";
import { CustomerRole, StaffRole } from "../users/user.enums";

registerEnumType(CustomerRole, { name: "CustomerRole" });
registerEnumType(StaffRole, { name: "StaffRole" });

export enum PrincipalKind {
  CUSTOMER = "CUSTOMER",
  RESELLER = "RESELLER",
  STAFF = "STAFF",
}
registerEnumType(PrincipalKind, { name: "PrincipalKind" });

@InputType({ description: "Either email (SSO / personal login) or customerNumber (the account's own password), and the password." })
export class AuthLoginInput {
  @Field(() => EmailAddressResolver, { nullable: true })
  email?: string;

  @Field({ nullable: true })
  @MaxLength(20)
  customerNumber?: string;

  @Field()
  @MaxLength(200)
  password: string;
}

@ObjectType()
export class AuthPayload {
  @Field({ nullable: true, description: "JWT for Authorization: Bearer …" })
  accessToken?: string;

  @Field({ nullable: true, description: "Opaque; rotated on every use. Keep it secret." })
  refreshToken?: string;

  @Field(() => DateTimeResolver, { nullable: true, description: "When the access token expires." })
  expiresAt?: Date;

  @Field({
    nullable: true,
    description:
      "True when the password was right and a second factor must follow: complete with authLoginSecondFactor and secondFactorChallenge.",
  })
  secondFactorRequired?: boolean;

  @Field({ nullable: true, description: "Single use, valid 5 minutes: pass it to authLoginSecondFactor. Keep it secret." })
  secondFactorChallenge?: string;

  @Field(() => [SecondFactorMethod], { nullable: true, description: "What the login can complete with." })
  secondFactorMethods?: SecondFactorMethod[];

  @Field(() => JSONResolver, { nullable: true, description: "For a passkey: the options for navigator.credentials.get()." })
  passkeyOptions?: unknown;

  @Field(() => [UserError])
  userErrors: UserError[];
}

export enum SecondFactorMethod {
  TOTP = "TOTP",
  PASSKEY = "PASSKEY",
  RECOVERY_CODE = "RECOVERY_CODE",
}
registerEnumType(SecondFactorMethod, { name: "SecondFactorMethod" });

@InputType({ description: "One proof of the second factor: a TOTP code, a recovery code, or a passkey's response." })
export class SecondFactorProofInput {
  @Field({ nullable: true })
  @MaxLength(10)
  totpCode?: string;

  @Field({ nullable: true })
  @MaxLength(40)
  recoveryCode?: string;

  @Field(() => JSONResolver, { nullable: true, description: "The PublicKeyCredential from navigator.credentials.get(), as JSON." })
  passkey?: unknown;

  @Field({ nullable: true, description: "For re-authentication with a passkey: the challengeId of authPasskeyOptions." })
  @MaxLength(64)
  passkeyChallengeId?: string;
}

@InputType()
export class AuthLoginSecondFactorInput extends SecondFactorProofInput {
  @Field({ description: "secondFactorChallenge from authLogin." })
  @MaxLength(100)
  challenge: string;
}

@InputType()
export class AuthReauthenticateInput extends SecondFactorProofInput {
  @Field()
  @MaxLength(200)
  password: string;
}

@InputType()
export class AuthPasswordChangeInput {
  @Field()
  @MaxLength(200)
  currentPassword: string;

  @Field()
  @MaxLength(200)
  newPassword: string;
}

@InputType()
export class AuthPasswordResetInput {
  @Field({ description: "The token from the reset link." })
  @MaxLength(100)
  token: string;

  @Field()
  @MaxLength(200)
  newPassword: string;
}

@InputType({ description: "Register a login for an existing customer. Prove it with the customer password or the latest invoice number." })
export class AuthRegisterInput {
  @Field()
  @MaxLength(20)
  customerNumber: string;

  @Field({ nullable: true })
  @MaxLength(200)
  customerPassword?: string;

  @Field({ nullable: true, description: "Number of the customer's latest invoice, e.g. 2026-000123." })
  @MaxLength(20)
  latestInvoiceNumber?: string;

  @Field(() => EmailAddressResolver, { description: "Must be the email of one of the customer's contacts; becomes the login." })
  @IsEmail()
  email: string;

  @Field()
  @MinLength(1)
  @MaxLength(200)
  displayName: string;

  @Field()
  @MaxLength(200)
  password: string;
}

@ObjectType({ description: "The same reply whether or not an account matched." })
export class RecoveryPayload {
  @Field()
  message: string;

  @Field(() => [UserError])
  userErrors: UserError[];
}

@ObjectType({ description: "Who the access token belongs to." })
export class Viewer {
  @Field(() => PrincipalKind)
  kind: PrincipalKind;

  @Field()
  name: string;

  @Field(() => StaffRole, { nullable: true })
  staffRole?: StaffRole;

  @Field(() => [Membership], { description: "For customer logins: the customers and the role in each." })
  memberships: Membership[];
}

@ObjectType("CustomerMembership")
export class Membership {
  @Field(() => CustomerNode)
  customer: CustomerNode;

  @Field(() => CustomerRole)
  role: CustomerRole;
}

@ObjectType({ description: "A passkey challenge: hand options to navigator.credentials.get(), then send the response with challengeId." })
export class PasskeyChallengePayload {
  @Field(() => String, { nullable: true, description: "Single use, valid 5 minutes." })
  challengeId?: string;

  @Field(() => JSONResolver, { nullable: true })
  options?: unknown;

  @Field(() => [UserError])
  userErrors: UserError[];
}

@InputType()
export class AuthPasskeyLoginInput {
  @Field()
  @MaxLength(64)
  challengeId: string;

  @Field(() => JSONResolver, { description: "The PublicKeyCredential from navigator.credentials.get(), as JSON." })
  response: unknown;
}
