// Moved to access/step-up.ts (mutations name it with `stepUp: true` in the unit of work).
export { assertRecentAuthentication, assertRecentAuthenticationForField } from "../access/step-up";
