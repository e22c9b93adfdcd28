import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Resolver } from "type-graphql";
import { JSONResolver } from "graphql-scalars";
import { Rule } from "../access/auth-checker";
import { Context } from "../platform/context";
import { MutationOutcome } from "../platform/user-error";
import { Viewer } from "./auth.types";
import { PasskeyRow, PasskeyService, toPasskeyGlobalId } from "./passkeys.service";
import { Passkey, PasskeyPayload, PasskeyRegistrationStartPayload } from "./passkeys.types";

const toNode = (row: PasskeyRow): Passkey => ({
  id: toPasskeyGlobalId(row.id),
  name: row.name,
  createdAt: row.createdAt,
  lastUsedAt: row.lastUsedAt,
});

/** A payload's passkey as the schema shows it. */
const withNode = (outcome: { passkey?: PasskeyRow; userErrors: PasskeyPayload["userErrors"] }): PasskeyPayload => ({
  userErrors: outcome.userErrors,
  passkey: outcome.passkey ? toNode(outcome.passkey) : undefined,
});

@Resolver(() => Viewer)
export class ViewerPasskeysResolver {
  @Authorized<Rule>("signed-in")
  @FieldResolver(() => [Passkey], { description: "The passkeys of the caller's own login, oldest first; none for API clients." })
  async passkeys(@Ctx() ctx: Context): Promise<Passkey[]> {
    return (await PasskeyService.own(ctx)).map(toNode);
  }
}

@Resolver()
export class PasskeyResolver {
  @Authorized<Rule>("signed-in")
  @Mutation(() => PasskeyRegistrationStartPayload, {
    description:
      "Starts registering a passkey for the caller's own login (a personal login or the customer-number login; not API clients). Needs a recent sign-in.",
  })
  async passkeyRegistrationStart(@Ctx() ctx: Context): Promise<PasskeyRegistrationStartPayload> {
    return PasskeyService.registrationStart(ctx);
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => PasskeyPayload, {
    description: "Completes a registration with the authenticator's answer (navigator.credentials.create as JSON). Emails the login.",
  })
  async passkeyRegistrationFinish(
    @Ctx() ctx: Context,
    @Arg("challengeId", () => ID) challengeId: string,
    @Arg("response", () => JSONResolver, {
      description: "The RegistrationResponseJSON (e.g. from @simplewebauthn/browser's startRegistration).",
    })
    response: unknown,
    @Arg("name", () => String, { nullable: true, description: "A name for it, e.g. the device; 1 to 100 characters." })
    name?: string | null,
  ): Promise<PasskeyPayload> {
    return withNode(await PasskeyService.registrationFinish(ctx, challengeId, response, name));
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => PasskeyPayload, { description: "Renames one of the caller's own passkeys." })
  async passkeyRename(
    @Ctx() ctx: Context,
    @Arg("id", () => ID) id: string,
    @Arg("name", () => String) name: string,
  ): Promise<PasskeyPayload> {
    return withNode(await PasskeyService.rename(ctx, id, name));
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => MutationOutcome, { description: "Removes one of the caller's own passkeys. Emails the login." })
  async passkeyRemove(@Ctx() ctx: Context, @Arg("id", () => ID) id: string): Promise<MutationOutcome> {
    return { ok: false, ...(await PasskeyService.remove(ctx, id)) };
  }
}
