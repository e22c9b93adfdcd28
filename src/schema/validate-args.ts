import { validateSync, ValidatorOptions } from "class-validator";
import { LRUCache } from "lru-cache";
import { ArgumentValidationError } from "type-graphql";
import { hasValidationRules } from "../library-patches/class-validator";

// type-graphql's own argument validation re-requires class-validator and asks its metadata
// storage for every argument of every resolver call, also for classes without a single rule: on
// a page of 50 customers that was a third of the server's time. This is the same validation
// (same options, same ArgumentValidationError), with the "has rules" answer kept per class
// (asked of class-validator's metadata storage: src/library-patches/class-validator.ts).

const OPTIONS: ValidatorOptions = { skipMissingProperties: true, forbidUnknownValues: false };
const hasRules = new Map<Function, boolean>();

function rulesOf(value: object): boolean {
  const type = value.constructor;
  let known = hasRules.get(type);
  if (known === undefined) {
    known = hasValidationRules(type);
    hasRules.set(type, known);
  }
  return known;
}

// Rules are pure functions of the values, so a value that passed passes again: a page of 50
// customers validates the same products(first: 10) 50 times. Passing values are remembered by
// class and JSON (small ones only); a failing one is never remembered.
const classIds = new Map<Function, number>();
const passed = new LRUCache<string, true>({ max: 1000 });
const MEMO_MAX_JSON = 512;

function memoKey(item: object): string | undefined {
  let id = classIds.get(item.constructor);
  if (id === undefined) classIds.set(item.constructor, (id = classIds.size + 1));
  const json = JSON.stringify(item);
  return json.length <= MEMO_MAX_JSON ? `${id}:${json}` : undefined;
}

const validatable = (value: unknown): value is object => value !== null && typeof value === "object";

/** type-graphql's `validateFn`: throws ArgumentValidationError as its built-in validation would. */
export function validateArgument(value: unknown): void {
  if (!validatable(value)) return;
  const items = Array.isArray(value) ? value.filter(validatable) : [value];
  for (const item of items) {
    // Nested inputs are validated through @ValidateNested on the outer class, as before.
    if (!rulesOf(item)) continue;
    const key = memoKey(item);
    if (key !== undefined && passed.has(key)) continue;
    const errors = validateSync(item, OPTIONS);
    if (errors.length) throw new ArgumentValidationError(errors);
    if (key !== undefined) passed.set(key, true);
  }
}
