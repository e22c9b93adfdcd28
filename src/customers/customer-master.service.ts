import { allowlistEntryProblem } from "../access/ip-allowlist";
import { Context } from "../platform/context";
import { toE164 } from "../platform/phone";
import { refuse, refuseAny, UserError, userError, UserErrorCode } from "../platform/user-error";
import { mutate, Outcome } from "../unit-of-work/unit-of-work";
import { EmailChangeService } from "../verifications/email-change.service";
import { EmailVerificationPurpose } from "../verifications/email-verification.enums";
import { CustomerSettingsInput, CustomerUpdateInput } from "./customer-master.types";
import { CustomerService } from "./customer.service";
import { CustomerNode } from "./customer.types";

type CustomerOutcome = Outcome<{ customer?: CustomerNode }>;

/** A phone in E.164 of the customer's country: undefined when not given, null to remove it. */
function phoneOf(value: string | undefined, country: string, field: string, errors: UserError[]): string | null | undefined {
  if (value === undefined) return undefined;
  const phone = value ? toE164(value, country) : null;
  if (value && !phone) errors.push(userError(UserErrorCode.INVALID_INPUT, `${value} is not a valid phone number`, ["input", field]));
  return phone;
}

/** The IP allowlist's entries that are not addresses or CIDRs, as userErrors. */
function allowlistErrors(entries: string[] | undefined): UserError[] {
  return (entries ?? []).flatMap((entry, i) => {
    const problem = allowlistEntryProblem(entry);
    return problem ? [userError(UserErrorCode.INVALID_INPUT, problem, ["input", "ipAllowlist", String(i)])] : [];
  });
}

/** The columns a change of settings writes (shared by customerSettingsUpdate and customerUpdate's deprecated fields). */
function settingColumns(input: { locale?: string; ipAllowlist?: string[]; notifyMainEmail?: boolean }): [string, unknown][] {
  const sets: [string, unknown][] = [];
  if (input.locale) sets.push(["locale", input.locale]);
  if (input.ipAllowlist) sets.push(["ip_allowlist", input.ipAllowlist.length ? JSON.stringify(input.ipAllowlist) : null]);
  if (input.notifyMainEmail !== undefined && input.notifyMainEmail !== null)
    sets.push(["notify_main_email", input.notifyMainEmail ? 1 : 0]);
  return sets;
}

/** The master data a customer edits itself; legal data goes through change requests instead. */
export const CustomerMasterService = {
  /** Master data with optimistic locking: a stale version is a CONFLICT and changes nothing. */
  update(ctx: Context, customerGid: string, input: CustomerUpdateInput): Promise<CustomerOutcome> {
    return mutate(
      ctx,
      { rule: "editMaster", load: CustomerService.target(ctx, customerGid) },
      {
        // Changing the IP allowlist or the main email is a sensitive change (step-up).
        stepUp: !!input.ipAllowlist || !!input.email,
        write: async (uow, { customer }) => {
          const errors: UserError[] = [];
          const country = input.address?.countryCode ?? customer.address.countryCode;
          const phone = phoneOf(input.phone, country, "phone", errors);
          const mobile = phoneOf(input.mobile, country, "mobile", errors);
          errors.push(...allowlistErrors(input.ipAllowlist));
          refuseAny(errors);
          const sets: [string, unknown][] = [];
          if (input.address) {
            sets.push(["street", input.address.street], ["postal_code", input.address.postalCode]);
            sets.push(["city", input.address.city], ["country_code", input.address.countryCode]);
          }
          if (phone !== undefined) sets.push(["phone", phone]);
          if (mobile !== undefined) sets.push(["mobile", mobile]);
          sets.push(...settingColumns({ locale: input.locale, ipAllowlist: input.ipAllowlist }));
          const result = await uow.tx.query(
            `UPDATE customers SET ${[...sets.map(([column]) => `${column} = ?`), "version = version + 1"].join(", ")} WHERE id = ? AND version = ?`,
            [...sets.map(([, value]) => value), customer.dbId, input.version],
          );
          if (result.affectedRows !== 1) {
            refuse(UserErrorCode.CONFLICT, "Someone changed this customer in the meantime; reload and try again", ["input", "version"]);
          }
          // A new main email is a pending change; the current one stays until it is confirmed.
          if (input.email && input.email.toLowerCase() !== customer.email.toLowerCase()) {
            await EmailChangeService.request(uow, ctx, {
              purpose: EmailVerificationPurpose.CUSTOMER_EMAIL,
              targetId: customer.dbId,
              customerId: customer.dbId,
              newEmail: input.email,
            });
          }
          await uow.audit("customer.updated", { fields: Object.keys(input).filter((k) => k !== "version") });
        },
        reply: async (_, { customer }) => ({ customer: (await CustomerService.byId(ctx, customer.dbId)) ?? undefined }),
      },
    );
  },

  /**
   * Settings without a version: a change of the locale or the allowlist never conflicts with an
   * edit of the master data (nor bumps its version). The allowlist needs a recent sign-in.
   */
  updateSettings(ctx: Context, customerGid: string, input: CustomerSettingsInput): Promise<CustomerOutcome> {
    return mutate(
      ctx,
      { rule: "editMaster", load: CustomerService.target(ctx, customerGid) },
      {
        stepUp: !!input.ipAllowlist,
        write: async (uow, { customer }) => {
          refuseAny(allowlistErrors(input.ipAllowlist));
          const sets = settingColumns(input);
          if (!sets.length) return;
          await uow.tx.query(`UPDATE customers SET ${sets.map(([column]) => `${column} = ?`).join(", ")} WHERE id = ?`, [
            ...sets.map(([, value]) => value),
            customer.dbId,
          ]);
          await uow.audit("customer.settings.changed", {
            fields: Object.keys(input).filter((k) => input[k as keyof CustomerSettingsInput] !== undefined),
            ...(input.notifyMainEmail !== undefined ? { notifyMainEmail: input.notifyMainEmail } : {}),
          });
        },
        reply: async (_, { customer }) => ({ customer: (await CustomerService.byId(ctx, customer.dbId)) ?? undefined }),
      },
    );
  },

  /** Non-critical notices to the main email too; security and outage notices always go there. */
  setNotifyMainEmail(ctx: Context, customerGid: string, notifyMainEmail: boolean): Promise<CustomerOutcome> {
    return mutate(
      ctx,
      { rule: "editMaster", load: CustomerService.target(ctx, customerGid) },
      {
        write: async (uow, { customer }) => {
          await uow.tx.query("UPDATE customers SET notify_main_email = ? WHERE id = ?", [notifyMainEmail ? 1 : 0, customer.dbId]);
          await uow.audit("customer.notifications.changed", { notifyMainEmail });
        },
        reply: async (_, { customer }) => ({ customer: (await CustomerService.byId(ctx, customer.dbId)) ?? undefined }),
      },
    );
  },

  async notifyMainEmail(ctx: Context, customerId: number): Promise<boolean> {
    const [row] = await ctx.db.query("SELECT notify_main_email FROM customers WHERE id = ?", [customerId]);
    return Boolean(row?.notify_main_email);
  },
};
