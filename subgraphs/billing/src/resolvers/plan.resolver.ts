import { Ctx, Query, Resolver } from 'type-graphql';
import type { PlanEntity } from '../entities/plan.entity';
import type { Context } from '../context';
import { BillingInterval, Plan } from '../schema/plan.type';
import { listPlans, orderedLimits } from '../services/plan.service';

/** Entity → API type, the one place a column change meets the contract. */
export const toPlan = (p: PlanEntity): Plan => ({
  id: p.id,
  key: p.key,
  name: p.name,
  priceCents: p.priceCents,
  currency: p.currency,
  interval: BillingInterval[p.interval],
  limits: orderedLimits(p).map((l) => ({ feature: l.feature, limit: l.limit })),
});

@Resolver(() => Plan)
export class PlanResolver {
  @Query(() => [Plan], { description: 'Every plan, cheapest first. Public: no sign-in needed.' })
  async plans(@Ctx() ctx: Context): Promise<Plan[]> {
    return (await listPlans(ctx.scope.em)).map(toPlan);
  }
}
