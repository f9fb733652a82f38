import { Ctx, Query, Resolver } from 'type-graphql';
import type { Context } from '../context';
import { toPlan } from '../schema/map';
import { Plan } from '../schema/plan.type';
import { listPlans } from '../services/plan.service';

@Resolver(() => Plan)
export class PlanResolver {
  @Query(() => [Plan], { description: 'Every plan, cheapest first. Public: no sign-in needed.' })
  async plans(@Ctx() ctx: Context): Promise<Plan[]> {
    return (await listPlans(ctx.scope.em)).map(toPlan);
  }
}
