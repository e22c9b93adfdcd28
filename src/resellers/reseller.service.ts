import { DataSource } from "typeorm";
import { Context } from "../platform/context";
import { toGlobalId } from "../platform/global-id";
import { rowLoader, RowSource } from "../platform/loaders";
import { ResellerNode } from "./reseller.types";

type Row = Record<string, any>;

export function resellerFromRow(r: Row): ResellerNode {
  return { __typename: "Reseller", id: toGlobalId("Reseller", r.id), dbId: r.id, name: r.name, email: r.email };
}

const RESELLERS: RowSource<ResellerNode> = { table: "resellers", columns: ["id", "name", "email"], map: resellerFromRow };

export const resellerById = (db: DataSource) => rowLoader(db, RESELLERS, "id");

export const ResellerService = {
  byId(ctx: Context, id: number): Promise<ResellerNode | null> {
    return ctx.loaders.get(resellerById).load(id);
  },
};
