import { DataSource } from "typeorm";
import { randomBytes } from "node:crypto";
import { hashPassword } from "../access/passwords";
import { randomToken } from "../access/tokens";
import { Context } from "../platform/context";
import { idOfType } from "../platform/global-id";
import { refuse, UserErrorCode } from "../platform/user-error";
import { mutateUntargeted, Outcome } from "../unit-of-work/unit-of-work";
import { toGlobalId } from "../platform/global-id";
import { rowLoader, rowSource } from "../platform/loaders";
import { ResellerNode } from "./reseller.types";
import { Row } from "../platform/rows";

export function resellerFromRow(r: Row): ResellerNode {
  return { __typename: "Reseller", id: toGlobalId("Reseller", r.id), dbId: r.id, name: r.name, email: r.email };
}

const API_CLIENT_NAME_MAX = 200;

const RESELLERS = rowSource({ table: "resellers", always: ["id", "name", "email"], map: resellerFromRow });

export const resellerById = (db: DataSource) => rowLoader(db, RESELLERS, "id");

export const ResellerService = {
  byId(ctx: Context, id: number): Promise<ResellerNode | null> {
    return ctx.loaders.get(resellerById).load(id);
  },

  /** Staff admins give a reseller a machine login for the client-credentials grant. */
  createApiClient(ctx: Context, resellerGid: string, name: string): Promise<Outcome<{ clientId?: string; clientSecret?: string }>> {
    const resellerId = idOfType(resellerGid, "Reseller", "resellerId");
    return mutateUntargeted(ctx, {
      stepUp: true,
      // The secret is hashed before the transaction: no pooled connection waits for the hash.
      prepare: async () => {
        if (!name.trim()) refuse(UserErrorCode.INVALID_INPUT, "Give the client a name", ["name"]);
        if (name.length > API_CLIENT_NAME_MAX)
          refuse(UserErrorCode.INVALID_INPUT, `A name has at most ${API_CLIENT_NAME_MAX} characters`, ["name"]);
        const reseller = await ResellerService.byId(ctx, resellerId);
        if (!reseller) refuse(UserErrorCode.NOT_FOUND, "No such reseller", ["resellerId"]);
        const clientId = `rc_${randomBytes(12).toString("base64url")}`;
        const clientSecret = randomToken();
        return { reseller, clientId, clientSecret, secretHash: await hashPassword(clientSecret) };
      },
      write: async (uow, { reseller, clientId, clientSecret, secretHash }) => {
        await uow.tx.query("INSERT INTO api_clients (reseller_id, client_id, secret_hash, name) VALUES (?, ?, ?, ?)", [
          reseller.dbId,
          clientId,
          secretHash,
          name.trim(),
        ]);
        await uow.audit("reseller.apiClient.created", { resellerId: reseller.id, clientId });
        return { clientId, clientSecret };
      },
    });
  },
};
