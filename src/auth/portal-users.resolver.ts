import { EmailAddressResolver } from "graphql-scalars";
import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from "type-graphql";
import { Rule } from "../access/auth-checker";
import { CustomerNode } from "../customers/customer.types";
import { Context } from "../platform/context";
import { MutationOutcome, UserError } from "../platform/user-error";
import { Outcome } from "../unit-of-work/unit-of-work";
import { CustomerRole } from "../users/user.enums";
import { InvitationsService } from "./invitations.service";
import { PortalUsersService } from "./portal-users.service";
import {
  PortalInvitation,
  PortalInvitationAcceptInput,
  PortalInvitationPayload,
  PortalUser,
  PortalUserPayload,
} from "./portal-users.types";

/** A refused outcome carries only userErrors; `refused` fills the fields its payload type requires. */
async function payload<P>(outcome: Promise<Outcome<P>>, refused: P): Promise<P & { userErrors: UserError[] }> {
  return { ...refused, ...(await outcome) };
}

// A customer's portal users and invitations. The services authorize every mutation with the
// manageUsers rule on the target's customer (mutate); accepting an invitation is public.
@Resolver(() => CustomerNode)
export class PortalUsersResolver {
  @Authorized<Rule>("customer:manageUsers")
  @FieldResolver(() => [PortalUser], { description: "The logins with access to this customer's portal, by email." })
  users(@Ctx() ctx: Context, @Root() customer: CustomerNode): Promise<PortalUser[]> {
    return PortalUsersService.ofCustomer(ctx, customer.dbId);
  }

  @Authorized<Rule>("customer:manageUsers")
  @FieldResolver(() => [PortalInvitation], { description: "Invitations not accepted or cancelled yet, oldest first (expired ones too)." })
  invitations(@Ctx() ctx: Context, @Root() customer: CustomerNode): Promise<PortalInvitation[]> {
    return InvitationsService.pendingOfCustomer(ctx, customer.dbId);
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => PortalInvitationPayload, {
    description: "Invites an address with a role: a single-use link valid 7 days. The reply is the same whether or not it has a login.",
  })
  portalUserInvite(
    @Ctx() ctx: Context,
    @Arg("customerId", () => ID) customerId: string,
    @Arg("email", () => EmailAddressResolver) email: string,
    @Arg("role", () => CustomerRole) role: CustomerRole,
  ): Promise<PortalInvitationPayload> {
    return payload(InvitationsService.invite(ctx, customerId, email, role), {});
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => PortalInvitationPayload, { description: "Sends a new link, valid 7 days; the old link stops working." })
  portalInvitationResend(@Ctx() ctx: Context, @Arg("invitationId", () => ID) invitationId: string): Promise<PortalInvitationPayload> {
    return payload(InvitationsService.resend(ctx, invitationId), {});
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => MutationOutcome, { description: "Cancels a pending invitation; its link stops working." })
  portalInvitationCancel(@Ctx() ctx: Context, @Arg("invitationId", () => ID) invitationId: string): Promise<MutationOutcome> {
    return payload(InvitationsService.cancel(ctx, invitationId), { ok: false });
  }

  @Authorized<Rule>("public")
  @Mutation(() => MutationOutcome, {
    description:
      "Accepts an invitation with the token of its link. A new login gets the password given; an existing one must be signed in or give its current password.",
  })
  portalInvitationAccept(@Ctx() ctx: Context, @Arg("input") input: PortalInvitationAcceptInput): Promise<MutationOutcome> {
    return payload(InvitationsService.accept(ctx, input), { ok: false });
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => PortalUserPayload, { description: "The user's role at this customer. The last ADMIN cannot be demoted." })
  portalUserRoleChange(
    @Ctx() ctx: Context,
    @Arg("customerId", () => ID) customerId: string,
    @Arg("userId", () => ID) userId: string,
    @Arg("role", () => CustomerRole) role: CustomerRole,
  ): Promise<PortalUserPayload> {
    return payload(PortalUsersService.changeRole(ctx, customerId, userId, role), {});
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => MutationOutcome, {
    description: "Takes the user's access to this customer away; the login and its other customers stay. Not the last ADMIN.",
  })
  portalUserRemove(
    @Ctx() ctx: Context,
    @Arg("customerId", () => ID) customerId: string,
    @Arg("userId", () => ID) userId: string,
  ): Promise<MutationOutcome> {
    return payload(PortalUsersService.remove(ctx, customerId, userId), { ok: false });
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => PortalUserPayload, {
    description: "Locks a login of this customer alone out and ends its sessions (a login of other customers too: remove it instead).",
  })
  portalUserDisable(
    @Ctx() ctx: Context,
    @Arg("customerId", () => ID) customerId: string,
    @Arg("userId", () => ID) userId: string,
  ): Promise<PortalUserPayload> {
    return payload(PortalUsersService.disable(ctx, customerId, userId), {});
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => PortalUserPayload, { description: "Lets a disabled login sign in again." })
  portalUserEnable(
    @Ctx() ctx: Context,
    @Arg("customerId", () => ID) customerId: string,
    @Arg("userId", () => ID) userId: string,
  ): Promise<PortalUserPayload> {
    return payload(PortalUsersService.enable(ctx, customerId, userId), {});
  }
}
