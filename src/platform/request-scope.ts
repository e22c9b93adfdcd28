import { AsyncLocalStorage } from "node:async_hooks";

/** What follows one request or job through every await: its id and how many SQL statements it ran. */
export interface RequestScope {
  requestId: string;
  sqlStatements: number;
  /** Set by the GraphQL layer for the request log line and metrics. */
  operation?: string | null;
  /** "query", "mutation" …: read queries may go to a replica, everything else to the primary. */
  operationType?: string;
  errors?: number;
}

const storage = new AsyncLocalStorage<RequestScope>();

export function runInScope<T>(scope: RequestScope, fn: () => T): T {
  return storage.run(scope, fn);
}

export function currentScope(): RequestScope | undefined {
  return storage.getStore();
}
