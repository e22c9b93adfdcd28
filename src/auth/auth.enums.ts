export enum RefreshSubjectKind {
  USER = "USER",
  CUSTOMER = "CUSTOMER",
  CLIENT = "CLIENT",
}
