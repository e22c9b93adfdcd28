import { Arg, Authorized, Ctx, ID, Mutation, Resolver } from "type-graphql";
import { Rule } from "../access/auth-checker";
import { Context } from "../platform/context";
import { ProductType } from "../products/product.enums";
import { PanelService } from "./panel.service";
import { PanelClientCreatePayload, PanelSignInPayload } from "./panel.types";

@Resolver()
export class PanelResolver {
  @Authorized<Rule>("signed-in")
  @Mutation(() => PanelSignInPayload, {
    description:
      "A single-use link into the product's control panel, valid 60 seconds (a mutation: it records the token). The customer's ADMIN and TECHNICAL users, its reseller and staff.",
  })
  productPanelSignIn(@Ctx() ctx: Context, @Arg("productId", () => ID) productId: string): Promise<PanelSignInPayload> {
    return PanelService.signIn(ctx, productId);
  }

  @Authorized<Rule>("staff:ADMIN")
  @Mutation(() => PanelClientCreatePayload, {
    description: "Staff admins: the OAuth client (client credentials) a product type's panel consumes sign-in tokens with.",
  })
  panelClientCreate(
    @Ctx() ctx: Context,
    @Arg("productType", () => ProductType) productType: ProductType,
    @Arg("name") name: string,
  ): Promise<PanelClientCreatePayload> {
    return PanelService.createClient(ctx, productType, name);
  }
}
