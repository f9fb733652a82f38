import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { Context } from '../context';
import { BillingSubscription, BillingSubscriptionStatus } from '../schema/billing-subscription.type';
import { Organization } from '../schema/organization.type';

@Resolver(() => Organization)
export class OrganizationResolver {
  @FieldResolver(() => BillingSubscription)
  async subscription(@Root() org: Pick<Organization, 'id'>, @Ctx() ctx: Context): Promise<Omit<BillingSubscription, 'plan'>> {
    const s = await ctx.loaders.subscriptionByOrg.load(org.id);
    return {
      id: s.id,
      status: BillingSubscriptionStatus[s.status],
      planId: s.planId,
      currentPeriodEnd: s.currentPeriodEnd,
      cancelAtPeriodEnd: s.cancelAtPeriodEnd,
    };
  }
}
