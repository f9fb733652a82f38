import { Ctx, FieldResolver, Resolver, Root } from 'type-graphql';
import type { Context } from '../context';
import { BillingSubscription } from '../schema/billing-subscription.type';
import { toPlan } from '../schema/map';
import { Plan } from '../schema/plan.type';

@Resolver(() => BillingSubscription)
export class BillingSubscriptionResolver {
  @FieldResolver(() => Plan)
  async plan(@Root() subscription: Pick<BillingSubscription, 'planId'>, @Ctx() ctx: Context): Promise<Plan> {
    return toPlan(await ctx.loaders.planById.load(subscription.planId));
  }
}
