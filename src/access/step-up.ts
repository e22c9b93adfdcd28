import { Context } from "../platform/context";

/**
 * Step-up: sensitive changes need a sign-in younger than STEP_UP_MAX_AGE (issue 17). Call it first
 * in the `prepare` step (or the write) of every sensitive mutation; it throws a Refusal with
 * REAUTHENTICATION_REQUIRED (a userError) when the caller's authentication is too old.
 * Query fields use `assertRecentAuthenticationForField`, which throws a field error instead.
 */
export function assertRecentAuthentication(_ctx: Context): void {
  // Filled in by the lead with the token's authentication time (auth_time).
}

export function assertRecentAuthenticationForField(_ctx: Context): void {
  // Filled in by the lead.
}
