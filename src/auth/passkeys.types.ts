import { DateTimeResolver, JSONResolver } from "graphql-scalars";
import { Field, ID, ObjectType } from "type-graphql";
import { UserError } from "../platform/user-error";

@ObjectType({
  description: "A passkey (WebAuthn credential) of the caller's login, usable as a second factor and to sign in without a password.",
})
export class Passkey {
  @Field(() => ID)
  id: string;

  @Field({ description: "The name its owner gave it, e.g. the device." })
  name: string;

  @Field(() => DateTimeResolver)
  createdAt: Date;

  @Field(() => DateTimeResolver, { nullable: true, description: "When it last signed a sign-in; null when never." })
  lastUsedAt: Date | null;
}

@ObjectType()
export class PasskeyRegistrationStartPayload {
  @Field(() => ID, { nullable: true, description: "Give it back to passkeyRegistrationFinish; valid for 5 minutes, once." })
  challengeId?: string;

  @Field(() => JSONResolver, {
    nullable: true,
    description:
      "PublicKeyCredentialCreationOptionsJSON for navigator.credentials.create (e.g. @simplewebauthn/browser's startRegistration).",
  })
  options?: unknown;

  @Field(() => [UserError])
  userErrors: UserError[];
}

@ObjectType()
export class PasskeyPayload {
  @Field(() => Passkey, { nullable: true })
  passkey?: Passkey;

  @Field(() => [UserError])
  userErrors: UserError[];
}
