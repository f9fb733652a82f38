import { alignToKeys, badUserInput, mutate, notFound, parseId, publicDataChanged, type Scope } from '@lattice/platform';
import type { EntityManager } from '@mikro-orm/postgresql';
import { FEATURES, PlanEntity, type PlanLimitEntity } from '../entities/plan.entity';
import { policy } from '../policy';
import type { UpdatePlanInput } from '../schema/update-plan.input';

/** Seeded by the first migration with this fixed id; where organizations without a subscription are. */
export const FREE_PLAN_ID = '00000000-0000-4000-8000-000000000001';

/** Limits in the order of FEATURES, whatever order the database returned them in. */
export const orderedLimits = (plan: PlanEntity): PlanLimitEntity[] =>
  [...plan.limits.getItems()].sort((a, b) => FEATURES.indexOf(a.feature) - FEATURES.indexOf(b.feature));

/** Every plan with its limits, cheapest first: public, the same for every caller. */
export const listPlans = (em: EntityManager) => em.find(PlanEntity, {}, { populate: ['limits'], orderBy: { sortOrder: 'asc' } });

/** Plans with their limits for a DataLoader batch: one statement (a join) however many ids. */
export async function plansByIds(em: EntityManager, ids: readonly string[]): Promise<Array<PlanEntity | Error>> {
  const plans = await em.find(PlanEntity, { id: { $in: [...ids] } }, { populate: ['limits'] });
  // Plan ids come from our own foreign keys, so a miss is a bug, not a client error.
  return alignToKeys(ids, plans, (p) => p.id).map((plan, i) => plan ?? new Error(`plan ${ids[i]} does not exist`));
}

type PlanChanges = Partial<Pick<PlanEntity, 'name' | 'stripePriceId'>>;

/** The fields given, checked beyond what the input's validators can say. */
function planChanges(input: UpdatePlanInput): PlanChanges {
  if (input.name === null)
    throw badUserInput([{ path: ['input', 'name'], message: 'name cannot be null; leave it out to keep the current name' }]);
  const changes: PlanChanges = {};
  if (input.name !== undefined) changes.name = input.name.trim();
  if (input.stripePriceId !== undefined) changes.stripePriceId = input.stripePriceId;
  if (!Object.keys(changes).length)
    throw badUserInput([{ path: ['input'], message: 'nothing to change: give name, stripePriceId or both' }]);
  return changes;
}

/**
 * A platform admin edits a plan. `plans` is cached as public (gateway response cache), so the
 * change is announced after the commit and every cache of it is cleared within a second.
 */
export async function updatePlan(scope: Scope, id: string, input: UpdatePlanInput): Promise<PlanEntity> {
  policy.authorize(scope.principal, 'plans:write');
  const planId = parseId(id, ['id']);
  const changes = planChanges(input);
  return mutate(scope, async (tx) => {
    const plan = await tx.em.findOne(PlanEntity, { id: planId }, { populate: ['limits'] });
    if (!plan) throw notFound('Plan');
    const before = { name: plan.name, stripePriceId: plan.stripePriceId };
    tx.em.assign(plan, changes);
    // Platform-wide, not the admin's active organization's: orgId null keeps it out of that organization's audit log.
    tx.audit({ action: 'plan.update', orgId: null, target: { type: 'Plan', id: plan.id }, before, after: { ...before, ...changes } });
    publicDataChanged(tx, { type: 'Plan', id: plan.id });
    return plan;
  });
}
