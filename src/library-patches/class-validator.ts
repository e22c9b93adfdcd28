// Patches: nothing is changed, but class-validator's metadata storage is asked directly
// (getMetadataStorage().getTargetValidationMetadatas with its positional arguments: target,
// schema name, always, strictGroups), to know whether a class has validation rules at all.
// Written against class-validator 0.15.1 (package.json), for type-graphql 2.0.0-rc.4's `validateFn`.
// Why: type-graphql's own argument validation re-requires class-validator and asks its metadata
// storage for every argument of every resolver call, also for classes without a single rule: on
// a page of 50 customers that was a third of the server's time. Konto's validateFn
// (src/schema/validate-args.ts) asks once per class.
// Contract tests: test/library-patches.test.ts, "class-validator: …".

import { getMetadataStorage } from "class-validator";

/** Whether class-validator would check anything on an instance of `type` (rules of its base classes included). */
export function hasValidationRules(type: Function): boolean {
  return getMetadataStorage().getTargetValidationMetadatas(type, "", true, false).length > 0;
}
