import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { Context } from '../context';
import { toOrganization, toUser } from '../schema/map';
import { Membership } from '../schema/membership.type';
import { Organization } from '../schema/organization.type';
import { User } from '../schema/user.type';

@Resolver(() => Membership)
export class MembershipResolver {
  @FieldResolver(() => User)
  async user(@Root() m: Membership, @Ctx() ctx: Context): Promise<User> {
    // Visible by construction: the membership is in an organization the caller shares.
    return toUser((await ctx.loaders.visibleUser.load(m.userId))!);
  }

  @FieldResolver(() => Organization)
  async organization(@Root() m: Membership, @Ctx() ctx: Context): Promise<Organization> {
    return toOrganization((await ctx.loaders.visibleOrganization.load(m.orgId))!);
  }
}
