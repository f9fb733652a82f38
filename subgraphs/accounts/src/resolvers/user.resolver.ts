import { Ctx, FieldResolver, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../context';
import { toMembership, toUser } from '../schema/map';
import { Membership } from '../schema/membership.type';
import { User } from '../schema/user.type';

@Resolver(() => User)
export class UserResolver {
  @Query(() => User, { nullable: true, description: 'The signed-in user; null when anonymous.' })
  async me(@Ctx() ctx: Context): Promise<User | null> {
    if (ctx.principal?.kind !== 'user') return null;
    const user = await ctx.loaders.visibleUser.load(ctx.principal.sub);
    return user && toUser(user);
  }

  @FieldResolver(() => [Membership], { description: 'Only memberships in organizations the caller also belongs to.' })
  async memberships(@Root() user: User, @Ctx() ctx: Context): Promise<Membership[]> {
    return (await ctx.loaders.sharedMemberships.load(user.id)).map(toMembership);
  }
}
