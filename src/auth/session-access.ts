import { forbidden, may } from "../access/access";
import { CustomerService } from "../customers/customer.service";
import { Context } from "../platform/context";
import { parseGlobalId } from "../platform/global-id";
import { mutateUntargeted, Outcome } from "../unit-of-work/unit-of-work";
import { RefreshSubjectKind } from "./auth.enums";
import { ownSubject, SessionRow, SessionService, SessionSubject } from "./sessions";

const sameSubject = (a: SessionSubject, b: SessionSubject) => a.kind === b.kind && a.id === b.id;

/** One refusal for sessions that do not exist, have ended or are someone else's. */
const notYours = () => forbidden("This object is not yours to see");

/** Who may see and end which sessions: one's own, and the customer-number login's for those with rule `sessions`. */
export const SessionAccess = {
  async ownSessions(ctx: Context): Promise<SessionRow[]> {
    const subject = ownSubject(ctx);
    return subject ? SessionService.live(ctx.db, subject) : [];
  },

  /** Called on Customer, whose field rule (`sessions`) has already been checked. */
  customerSessions(ctx: Context, customerId: number): Promise<SessionRow[]> {
    return SessionService.live(ctx.db, { kind: RefreshSubjectKind.CUSTOMER, id: customerId });
  },

  async revoke(ctx: Context, globalId: string): Promise<Outcome<{ ok: boolean }>> {
    const parsed = parseGlobalId(globalId);
    const session = parsed?.type === "Session" ? await SessionService.byId(ctx.db, parsed.id) : null;
    if (!session || !(await SessionAccess.mayEnd(ctx, session))) throw notYours();
    return mutateUntargeted(ctx, {
      write: async (uow) => {
        await SessionService.end(ctx, uow, [session.id]);
        await uow.audit("session.ended", { session: session.id, login: `${session.subjectKind.toLowerCase()}:${session.subjectId}` }, null);
        return { ok: true };
      },
    });
  },

  async revokeOthers(ctx: Context): Promise<Outcome<{ ok: boolean }>> {
    const subject = ownSubject(ctx);
    if (!subject) throw forbidden("API clients have no sessions");
    const keep = ctx.principal.kind === "anonymous" ? null : ctx.principal.sessionId;
    return mutateUntargeted(ctx, {
      write: async (uow) => {
        await SessionService.endAll(ctx, uow, subject, keep);
        return { ok: true };
      },
    });
  },

  async mayEnd(ctx: Context, session: SessionRow): Promise<boolean> {
    const subject = { kind: session.subjectKind, id: session.subjectId };
    const own = ownSubject(ctx);
    if (own && sameSubject(own, subject)) return true;
    if (subject.kind !== RefreshSubjectKind.CUSTOMER) return false;
    const customer = await CustomerService.byId(ctx, subject.id);
    return !!customer && may(ctx.principal, "sessions", customer);
  },
};
