import { Arg, Authorized, Ctx, FieldResolver, ID, Mutation, Resolver, Root } from "type-graphql";
import { Rule } from "../access/auth-checker";
import { MutationOutcome as MutationOutcomeType } from "../platform/user-error";
import { CustomerService } from "../customers/customer.service";
import { CustomerNode, CustomerPayload } from "../customers/customer.types";
import { SecondFactorRequirement } from "../customers/second-factor-requirement";
import { Context } from "../platform/context";
import { idOfType } from "../platform/global-id";
import { Row } from "../platform/rows";
import { mutate, mutateUntargeted, Outcome } from "../unit-of-work/unit-of-work";
import { UserKind } from "../users/user.enums";
import { forbidden } from "../access/access";
import { RefreshSubjectKind } from "./auth.enums";
import { SecondFactors } from "./second-factors";
import { SessionService } from "./sessions";

/**
 * The policy of second factors: a customer's requirement (its ADMIN, reseller or staff ADMIN sets
 * it), and staff resetting a login's second factors.
 */
export const SecondFactorPolicy = {
  /**
   * Switching it on holds every user of the customer without a second factor to enrolment from
   * the next request on (their tokens renew), and ends the customer-number login's sessions when
   * the account has no factor of its own. Switching it off is a sensitive change (step-up).
   */
  setRequired(ctx: Context, customerGid: string, required: boolean): Promise<Outcome<{ customer?: CustomerNode }>> {
    return mutate(
      ctx,
      { rule: "securityPolicy", load: CustomerService.target(ctx, customerGid) },
      {
        stepUp: !required,
        write: async (uow, { customer }) => {
          await SecondFactorRequirement.set(uow.tx, customer.dbId, required);
          const members: Row[] = await uow.tx.query("SELECT user_id FROM memberships WHERE customer_id = ?", [customer.dbId]);
          for (const m of members) await SessionService.renewTokens(ctx, uow, { kind: RefreshSubjectKind.USER, id: Number(m.user_id) });
          const account = { kind: RefreshSubjectKind.CUSTOMER, id: customer.dbId };
          if (required && !(await SecondFactors.enrolled(uow.tx, account))) await SessionService.endAll(ctx, uow, account);
          await uow.audit(required ? "customer.second-factor.required" : "customer.second-factor.optional", {});
        },
        reply: async (_, { customer }) => ({ customer: (await CustomerService.byId(ctx, customer.dbId))! }),
      },
    );
  },

  /** Staff remove every second factor of a personal login (lost phone): audited, emailed, its sessions ended. */
  reset(ctx: Context, userGid: string): Promise<Outcome<{ ok: boolean }>> {
    if (ctx.principal.kind !== "staff") throw forbidden();
    const userId = idOfType(userGid, "User", "userId");
    return mutateUntargeted(ctx, {
      stepUp: true,
      write: async (uow) => {
        const [user] = await uow.tx.query("SELECT id, kind FROM users WHERE id = ? FOR UPDATE", [userId]);
        if (!user || user.kind === UserKind.STAFF) throw forbidden("This object is not yours to see");
        const subject = { kind: RefreshSubjectKind.USER, id: userId };
        await SecondFactors.removeAll(uow, subject);
        await SessionService.endAll(ctx, uow, subject);
        await uow.audit("user.second-factor.reset", { userId }, null);
        await uow.emit("second-factor-changed", { subjectKind: "USER", subjectId: userId, change: "reset-by-staff" });
        return { ok: true };
      },
    });
  },
};

@Resolver(() => CustomerNode)
export class SecondFactorPolicyResolver {
  @Authorized<Rule>("customer:settings")
  @FieldResolver(() => Boolean, { description: "Whether every login of this customer needs a second factor." })
  secondFactorRequired(@Ctx() ctx: Context, @Root() customer: CustomerNode): Promise<boolean> {
    return SecondFactorRequirement.of(ctx.db, customer.dbId);
  }

  @Authorized<Rule>("signed-in")
  @Mutation(() => CustomerPayload, {
    description:
      "Requires a second factor of every login of the customer (its ADMIN, reseller or staff ADMIN). Users without one can only enrol from their next request on; switching it off needs a recent sign-in.",
  })
  async customerSecondFactorRequirementSet(
    @Ctx() ctx: Context,
    @Arg("customerId", () => ID) customerId: string,
    @Arg("required") required: boolean,
  ): Promise<CustomerPayload> {
    return { ...(await SecondFactorPolicy.setRequired(ctx, customerId, required)) };
  }

  @Authorized<Rule>("staff")
  @Mutation(() => MutationOutcomeType, {
    description: "Staff: removes every second factor of a user (a lost phone); audited, emailed, and the user's sessions end.",
  })
  async staffSecondFactorReset(@Ctx() ctx: Context, @Arg("userId", () => ID) userId: string): Promise<MutationOutcomeType> {
    return { ok: false, ...(await SecondFactorPolicy.reset(ctx, userId)) };
  }
}
