import { MaxLength, MinLength } from "class-validator";
import { DateTimeResolver } from "graphql-scalars";
import { Field, ID, InputType, ObjectType, registerEnumType } from "type-graphql";
import { UserError } from "../platform/user-error";
import { CustomerRole } from "../users/user.enums";

export enum PortalUserStatus {
  ACTIVE = "ACTIVE",
  DISABLED = "DISABLED",
  /** Registered, waiting for the confirmation of its email before it can sign in. */
  PENDING_EMAIL = "PENDING_EMAIL",
}
registerEnumType(PortalUserStatus, { name: "PortalUserStatus" });

@ObjectType({ description: "A login with access to a customer's portal, and its role there." })
export class PortalUser {
  /** The user's database id, for mutations' targets. */
  dbId: number;

  @Field(() => ID, { description: "Pass as userId to the portalUser mutations." })
  id: string;

  @Field()
  email: string;

  @Field()
  displayName: string;

  @Field(() => CustomerRole, { description: "The role at this customer." })
  role: CustomerRole;

  @Field(() => PortalUserStatus)
  status: PortalUserStatus;

  @Field(() => DateTimeResolver, { nullable: true })
  lastLoginAt: Date | null;
}

@ObjectType({ description: "An invitation to join a customer's portal that was not accepted or cancelled yet." })
export class PortalInvitation {
  dbId: number;

  @Field(() => ID)
  id: string;

  @Field()
  email: string;

  @Field(() => CustomerRole)
  role: CustomerRole;

  @Field({ description: "Who invited, as the audit log names them." })
  invitedBy: string;

  @Field(() => DateTimeResolver, { description: "The link works until then; resend for a new one." })
  expiresAt: Date;

  @Field(() => DateTimeResolver)
  createdAt: Date;
}

@ObjectType()
export class PortalUserPayload {
  @Field(() => PortalUser, { nullable: true })
  user?: PortalUser;

  @Field(() => [UserError])
  userErrors: UserError[];
}

@ObjectType({ description: "The same reply whether or not the address already has a login." })
export class PortalInvitationPayload {
  @Field(() => PortalInvitation, { nullable: true })
  invitation?: PortalInvitation;

  @Field(() => [UserError])
  userErrors: UserError[];
}

@InputType({
  description:
    "Accepting an invitation. For a new login: password (and displayName). For an address that already has a login: sign in as it, or give its current password.",
})
export class PortalInvitationAcceptInput {
  @Field({ description: "The token from the invitation link." })
  @MaxLength(100)
  token: string;

  @Field({ nullable: true })
  @MaxLength(200)
  password?: string;

  @Field({ nullable: true })
  @MinLength(1)
  @MaxLength(200)
  displayName?: string;
}
