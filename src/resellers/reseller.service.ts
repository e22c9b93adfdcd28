import { DataSource } from "typeorm";
import { Context } from "../platform/context";
import { toGlobalId } from "../platform/global-id";
import { rowLoader } from "../platform/loaders";
import { ResellerNode } from "./reseller.types";

type Row = Record<string, any>;

export function resellerFromRow(r: Row): ResellerNode {
  return { __typename: "Reseller", id: toGlobalId("Reseller", r.id), dbId: r.id, name: r.name, email: r.email };
}

export const resellerById = (db: DataSource) => rowLoader(db, "resellers", "id", resellerFromRow);

export const ResellerService = {
  byId(ctx: Context, id: number): Promise<ResellerNode | null> {
    return ctx.loaders.get(resellerById).load(id);
  },
};
