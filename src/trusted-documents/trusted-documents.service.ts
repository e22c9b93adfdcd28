import { readFileSync } from "node:fs";
import { DocumentNode, GraphQLSchema, Kind, parse, validate } from "graphql";
import { Context } from "../platform/context";
import { UserError, userError, UserErrorCode, refuseAny } from "../platform/user-error";
import { mutateUntargeted, Outcome } from "../unit-of-work/unit-of-work";
import { documentId, TrustedDocumentStore } from "./trusted-document-store";
import { TrustedDocument, TrustedDocumentInput } from "./trusted-documents.types";

declare module "../platform/context" {
  interface ContextServices {
    /** Registered GraphQL documents and the APQ cache, in Redis (src/trusted-documents). */
    documents: TrustedDocumentStore;
  }
}

/** Why a document cannot be registered, or its operation names: it must parse and validate against the schema. */
function check(schema: GraphQLSchema, body: string): { problem: string } | { operationNames: string[] } {
  let document: DocumentNode;
  try {
    document = parse(body);
  } catch (error) {
    return { problem: `does not parse: ${(error as Error).message}` };
  }
  const errors = validate(schema, document);
  if (errors.length) return { problem: `does not validate: ${errors[0].message}` };
  const operations = document.definitions.filter((d) => d.kind === Kind.OPERATION_DEFINITION);
  if (!operations.length) return { problem: "has no operation" };
  return { operationNames: operations.map((o) => o.name?.value ?? "") };
}

/** The documents of a manifest a portal build produces: Apollo's persisted-query manifest, or an { id: body } map (GraphQL Code Generator's persisted documents). */
export function manifestDocuments(text: string): TrustedDocumentInput[] {
  const parsed: unknown = JSON.parse(text);
  if (parsed && typeof parsed === "object" && Array.isArray((parsed as { operations?: unknown }).operations)) {
    return (parsed as { operations: { id?: unknown; body?: unknown }[] }).operations.map((o) => ({
      id: typeof o.id === "string" ? o.id : undefined,
      body: String(o.body ?? ""),
    }));
  }
  if (parsed && typeof parsed === "object" && !Array.isArray(parsed)) {
    return Object.entries(parsed as Record<string, unknown>).map(([id, body]) => ({ id, body: String(body) }));
  }
  throw new Error("is neither a persisted-query manifest ({ operations: [{ id, body }] }) nor an { id: body } map");
}

/** The documents that can be registered, or the userErrors of those that cannot (field paths under `input.documents`). */
function checkAll(schema: GraphQLSchema, documents: TrustedDocumentInput[]): { accepted: TrustedDocument[]; errors: UserError[] } {
  const accepted: TrustedDocument[] = [];
  const errors: UserError[] = [];
  documents.forEach((d, i) => {
    const id = documentId(d.body);
    if (d.id && d.id !== id) {
      errors.push(userError(UserErrorCode.INVALID_INPUT, "id is not the SHA-256 of the body", ["input", "documents", String(i), "id"]));
      return;
    }
    const checked = check(schema, d.body);
    if ("problem" in checked)
      errors.push(userError(UserErrorCode.INVALID_INPUT, `The document ${checked.problem}`, ["input", "documents", String(i), "body"]));
    else accepted.push({ id, operationNames: checked.operationNames });
  });
  return { accepted, errors };
}

/**
 * Trusted documents: the operations a portal may run, registered by their SHA-256 from the
 * portal build's manifest (TRUSTED_DOCUMENTS_FILE, at start-up) or by staff
 * (trustedDocumentsRegister). With TRUSTED_DOCUMENTS_ONLY every caller but staff and reseller
 * API clients runs only these (src/http/graphql.ts).
 */
export const TrustedDocumentService = {
  /** Staff admins register documents; each must parse and validate against the schema. */
  register(
    ctx: Context,
    schema: GraphQLSchema,
    documents: TrustedDocumentInput[],
  ): Promise<Outcome<{ documents?: TrustedDocument[]; added?: number }>> {
    return mutateUntargeted(ctx, {
      prepare: async () => {
        const { accepted, errors } = checkAll(schema, documents);
        refuseAny(errors);
        return accepted;
      },
      write: async (uow, accepted) => {
        await uow.audit("trusted-documents.registered", { ids: accepted.map((d) => d.id) });
        // Registered in Redis last, once nothing in the transaction can refuse any more: the
        // audit entry is deferred (src/platform/transactions.ts), so it is sent first.
        await uow.tx.flush();
        const added = await ctx.documents.register(documents.map((d) => d.body));
        return { documents: accepted, added };
      },
    });
  },

  /** The manifest of TRUSTED_DOCUMENTS_FILE, registered at start-up by every API process (a no-op for those known). */
  async registerFile(store: TrustedDocumentStore, schema: GraphQLSchema, path: string): Promise<number> {
    let documents: TrustedDocumentInput[];
    try {
      documents = manifestDocuments(readFileSync(path, "utf8"));
    } catch (error) {
      throw new Error(`TRUSTED_DOCUMENTS_FILE ${path}: ${(error as Error).message}`, { cause: error });
    }
    const { errors } = checkAll(schema, documents);
    if (errors.length)
      throw new Error(
        `TRUSTED_DOCUMENTS_FILE ${path}: operation ${errors[0].field[2]} (id ${documents[Number(errors[0].field[2])].id ?? "none"}): ${errors[0].message}`,
      );
    return store.register(documents.map((d) => d.body));
  },
};
