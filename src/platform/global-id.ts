import { badInput } from "./errors";

// Opaque global ids: base64url("Type:id"). Clients must not parse them; the server does.

export function toGlobalId(type: string, id: number | string): string {
  return Buffer.from(`${type}:${id}`, "utf8").toString("base64url");
}

export function parseGlobalId(globalId: string): { type: string; id: number } | null {
  const decoded = Buffer.from(globalId, "base64url").toString("utf8");
  const match = /^([A-Za-z]+):([1-9][0-9]{0,9})$/.exec(decoded);
  if (!match) return null;
  const id = Number(match[2]);
  return id <= 4294967295 ? { type: match[1], id } : null;
}

/** The numeric id of a global id that must name an object of `type`. */
export function idOfType(globalId: string, type: string, field = "id"): number {
  const parsed = parseGlobalId(globalId);
  if (!parsed || parsed.type !== type) throw badInput(`${field} is not a ${type} id`, { field });
  return parsed.id;
}
