import { ValidationError, validateSync, ValidatorOptions } from "class-validator";
import { LRUCache } from "lru-cache";
import { ResolverData } from "type-graphql";
import { hasValidationRules } from "../library-patches/class-validator";
import { typeGraphqlMetadata } from "../library-patches/type-graphql";
import { ErrorCode, KontoError } from "../platform/errors";

// type-graphql's own argument validation re-requires class-validator and asks its metadata
// storage for every argument of every resolver call, also for classes without a single rule: on
// a page of 50 customers that was a third of the server's time. This is the same validation
// (same options), with the "has rules" answer kept per class
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

/** One argument field that failed a rule: where, and why. */
export interface InputProblem {
  field: string[];
  message: string;
}

/**
 * An argument that fails its validation rules. Unlike type-graphql's ArgumentValidationError it
 * names the field and the rule only: class-validator's errors carry the whole input (`target`)
 * and the failing `value`, a 200 KB search string or a password included, which no answer or log
 * may repeat. In a mutation it becomes userErrors (src/schema/mutation-refusals.ts); in a query
 * it is a BAD_USER_INPUT error with `validationErrors: [{ field, message }]`.
 */
export class InputValidationError extends KontoError {
  constructor(readonly problems: InputProblem[]) {
    super(ErrorCode.BAD_USER_INPUT, `Invalid argument: ${problems.map((p) => `${p.field.join(".")}: ${p.message}`).join("; ")}`, {
      validationErrors: problems,
    });
  }
}

function problemsOf(errors: ValidationError[], path: string[]): InputProblem[] {
  return errors.flatMap((error) => {
    const field = [...path, error.property];
    const own = error.constraints ? [{ field, message: Object.values(error.constraints).join("; ") }] : [];
    return [...own, ...problemsOf(error.children ?? [], field)];
  });
}

/**
 * The argument a value came from, as the first part of the field path: none for an @Args()
 * class (its properties are the arguments), else the one argument given as an object (or list),
 * e.g. `input`.
 */
function argumentPath(value: object, data: ResolverData | undefined): string[] {
  if (!data || typeGraphqlMetadata().argumentTypes.some((a) => a.target === value.constructor)) return [];
  const candidates = Object.keys(data.args).filter((name) => {
    const given: unknown = data.args[name];
    return given !== null && typeof given === "object" && Array.isArray(given) === Array.isArray(value);
  });
  return candidates.length === 1 ? candidates : [];
}

/** type-graphql's `validateFn`: throws InputValidationError where its built-in validation throws ArgumentValidationError. */
export function validateArgument(value: unknown, _type?: unknown, data?: ResolverData): void {
  if (!validatable(value)) return;
  const items = Array.isArray(value) ? value.filter(validatable) : [value];
  for (const item of items) {
    // Nested inputs are validated through @ValidateNested on the outer class, as before.
    if (!rulesOf(item)) continue;
    const key = memoKey(item);
    if (key !== undefined && passed.has(key)) continue;
    const errors = validateSync(item, OPTIONS);
    if (errors.length) {
      const path = argumentPath(value as object, data);
      const index = Array.isArray(value) ? [String(value.indexOf(item))] : [];
      throw new InputValidationError(problemsOf(errors, [...path, ...index]));
    }
    if (key !== undefined) passed.set(key, true);
  }
}
