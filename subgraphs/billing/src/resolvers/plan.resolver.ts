import { PublicCacheHint } from '@lattice/platform';
import { Arg, Authorized, Ctx, ID, Mutation, Query, Resolver } from 'type-graphql';
import type { Context } from '../context';
import { toPlan } from '../schema/map';
import { Plan } from '../schema/plan.type';
import { UpdatePlanInput } from '../schema/update-plan.input';
import { listPlans, updatePlan } from '../services/plan.service';

@Resolver(() => Plan)
export class PlanResolver {
  // The same answer for every caller: the gateway may share it (cleared when a plan changes).
  @PublicCacheHint()
  @Query(() => [Plan], { description: 'Every plan, cheapest first. Public: no sign-in needed.' })
  async plans(@Ctx() ctx: Context): Promise<Plan[]> {
    return (await listPlans(ctx.scope.em)).map(toPlan);
  }

  @Authorized('plans:write')
  @Mutation(() => Plan, { description: "Change a plan's name or Stripe price (platform admins). `plans` shows it within a second." })
  async updatePlan(@Arg('id', () => ID) id: string, @Arg('input') input: UpdatePlanInput, @Ctx() ctx: Context): Promise<Plan> {
    return toPlan(await updatePlan(ctx.scope, id, input));
  }
}
