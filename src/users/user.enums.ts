import { CustomerRole, StaffRole } from "../platform/principal";

// The roles are the principal's (platform/principal.ts); kept importable from here too.
export { CustomerRole, StaffRole };

export enum UserKind {
  CUSTOMER = "CUSTOMER",
  RESELLER = "RESELLER",
  STAFF = "STAFF",
}
