import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { Context } from '../context';
import { BillingSubscription } from '../schema/billing-subscription.type';
import { toBillingSubscription } from '../schema/map';
import { Organization } from '../schema/organization.type';

@Resolver(() => Organization)
export class OrganizationResolver {
  @FieldResolver(() => BillingSubscription)
  async subscription(@Root() org: Pick<Organization, 'id'>, @Ctx() ctx: Context): Promise<Omit<BillingSubscription, 'plan'>> {
    return toBillingSubscription(await ctx.loaders.subscriptionByOrg.load(org.id));
  }
}
