import { DataSource } from "typeorm";
import { randomBytes } from "node:crypto";
import { hashPassword } from "../access/passwords";
import { randomToken } from "../access/tokens";
import { AuditService } from "../audit/audit.service";
import { Context } from "../platform/context";
import { inTransaction } from "../platform/db";
import { idOfType } from "../platform/global-id";
import { UserError, userError, UserErrorCode } from "../platform/user-error";
import { toGlobalId } from "../platform/global-id";
import { rowLoader, RowSource } from "../platform/loaders";
import { ResellerNode } from "./reseller.types";
import { Row } from "../platform/rows";

export function resellerFromRow(r: Row): ResellerNode {
  return { __typename: "Reseller", id: toGlobalId("Reseller", r.id), dbId: r.id, name: r.name, email: r.email };
}

const RESELLERS: RowSource<ResellerNode> = { table: "resellers", columns: ["id", "name", "email"], map: resellerFromRow };

export const resellerById = (db: DataSource) => rowLoader(db, RESELLERS, "id");

export const ResellerService = {
  byId(ctx: Context, id: number): Promise<ResellerNode | null> {
    return ctx.loaders.get(resellerById).load(id);
  },

  /** Staff admins give a reseller a machine login for the client-credentials grant. */
  async createApiClient(
    ctx: Context,
    resellerGid: string,
    name: string,
  ): Promise<{ clientId?: string; clientSecret?: string; userErrors: UserError[] }> {
    const reseller = await ResellerService.byId(ctx, idOfType(resellerGid, "Reseller", "resellerId"));
    if (!reseller) return { userErrors: [userError(UserErrorCode.NOT_FOUND, "No such reseller", ["resellerId"])] };
    if (!name.trim()) return { userErrors: [userError(UserErrorCode.INVALID_INPUT, "Give the client a name", ["name"])] };
    const clientId = `rc_${randomBytes(12).toString("base64url")}`;
    const clientSecret = randomToken();
    const secretHash = await hashPassword(clientSecret);
    await inTransaction(ctx.db, async (tx) => {
      await tx.query("INSERT INTO api_clients (reseller_id, client_id, secret_hash, name) VALUES (?, ?, ?, ?)", [
        reseller.dbId,
        clientId,
        secretHash,
        name.trim(),
      ]);
      await AuditService.record(tx, ctx.principal, {
        customerId: null,
        action: "reseller.apiClient.created",
        details: { resellerId: reseller.id, clientId },
      });
    });
    return { clientId, clientSecret, userErrors: [] };
  },
};
