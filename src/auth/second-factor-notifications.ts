import { deliveryKey } from "../notifications/deliveries";
import { Handlers, NotificationDeps } from "../notifications/processor";
import { renderRecoveryCodeUsed, renderSecondFactorChanged } from "../notifications/templates";
import { localeOf } from "../notifications/templates/template";
import { loginAddress } from "./second-factor-subject";

/** Security notices about a login's second factors, to the login's own address (the customer's main email for the customer-number login). */
export function secondFactorHandlers(deps: NotificationDeps): Pick<Handlers, "second-factor-changed" | "recovery-code-used"> {
  const { db, ledger } = deps;
  // The time of the change is the time of its outbox row.
  const createdAt = async (outboxId: string): Promise<Date> =>
    (await db.query("SELECT created_at FROM outbox WHERE id = ?", [outboxId]))[0].created_at;
  return {
    async "second-factor-changed"({ outboxId, payload, final }) {
      const to = await loginAddress(db, { kind: payload.subjectKind, id: payload.subjectId });
      if (!to?.email) return { skipped: 1 };
      const data = { login: to.login, change: payload.change, at: await createdAt(outboxId) };
      return ledger.deliver(
        outboxId,
        [
          {
            key: deliveryKey(`second-factor-changed:${outboxId}`, to.email),
            to: to.email,
            render: () => renderSecondFactorChanged(data, localeOf(to.locale)),
          },
        ],
        final,
      );
    },

    async "recovery-code-used"({ outboxId, payload, final }) {
      const to = await loginAddress(db, { kind: payload.subjectKind, id: payload.subjectId });
      if (!to?.email) return { skipped: 1 };
      const data = { login: to.login, left: payload.left, at: await createdAt(outboxId) };
      return ledger.deliver(
        outboxId,
        [
          {
            key: deliveryKey(`recovery-code-used:${outboxId}`, to.email),
            to: to.email,
            render: () => renderRecoveryCodeUsed(data, localeOf(to.locale)),
          },
        ],
        final,
      );
    },
  };
}
