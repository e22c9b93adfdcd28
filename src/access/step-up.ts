import { Context } from "../platform/context";
import { ErrorCode, KontoError } from "../platform/errors";
import { refuse, UserErrorCode } from "../platform/user-error";

const MESSAGE = "This change needs a recent sign-in: confirm it with authReauthenticate, then try again";

/**
 * Whether the caller signed in (or re-authenticated) within STEP_UP_MAX_AGE. API clients
 * (client credentials) count as fresh: every token of theirs is obtained with the secret itself,
 * and there is no person to ask again.
 */
function recentlyAuthenticated(ctx: Context): boolean {
  const p = ctx.principal;
  if (p.kind === "anonymous") return false;
  if (p.kind === "reseller" && p.clientId !== null) return true;
  const time = p.auth?.time ?? 0;
  return Date.now() - time * 1000 <= ctx.config.stepUpMaxAgeMs;
}

/**
 * Step-up for a sensitive mutation: call it first (in `prepare`, or at the start of `write`). An
 * old sign-in gets the userError REAUTHENTICATION_REQUIRED, and nothing changes.
 */
export function assertRecentAuthentication(ctx: Context): void {
  if (!recentlyAuthenticated(ctx)) refuse(UserErrorCode.REAUTHENTICATION_REQUIRED, MESSAGE, []);
}

/** Step-up for a sensitive query field (Customer.pin): a field error with the code REAUTHENTICATION_REQUIRED. */
export function assertRecentAuthenticationForField(ctx: Context): void {
  if (!recentlyAuthenticated(ctx)) throw new KontoError(ErrorCode.REAUTHENTICATION_REQUIRED, MESSAGE);
}
