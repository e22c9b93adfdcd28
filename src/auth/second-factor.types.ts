import { Field, Int, ObjectType } from "type-graphql";
import { UserError } from "../platform/user-error";

@ObjectType({ description: "A TOTP enrolment to confirm: what the authenticator app needs. The secret is shown only now." })
export class TotpEnrolStartPayload {
  @Field(() => String, {
    nullable: true,
    description: "otpauth://totp/… URI for the authenticator app; the portal draws it as a QR code.",
  })
  otpauthUri?: string;

  @Field(() => String, { nullable: true, description: "The secret in base32, for typing into an app by hand." })
  secret?: string;

  @Field(() => [UserError])
  userErrors: UserError[];
}

@ObjectType()
export class TotpEnrolConfirmPayload {
  @Field({ description: "True when TOTP is now enabled." })
  ok: boolean;

  @Field(() => [String], {
    nullable: true,
    description: "New recovery codes when the login had none left: shown only now; each works once in place of a code.",
  })
  recoveryCodes?: string[] | null;

  @Field(() => [UserError])
  userErrors: UserError[];
}

@ObjectType()
export class RecoveryCodesPayload {
  @Field(() => [String], { nullable: true, description: "The new recovery codes, shown only now; the previous ones no longer work." })
  recoveryCodes?: string[];

  @Field(() => [UserError])
  userErrors: UserError[];
}

@ObjectType({ description: "The second factors of the caller's own login." })
export class SecondFactorStatus {
  @Field({ description: "Whether a confirmed TOTP authenticator is enrolled." })
  totpEnabled: boolean;

  @Field(() => Int, { description: "Recovery codes not used yet." })
  recoveryCodesLeft: number;
}
