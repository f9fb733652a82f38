import { alignToKeys } from '@lattice/platform';
import type { EntityManager } from '@mikro-orm/postgresql';
import { FEATURES, PlanEntity, type PlanLimitEntity } from '../entities/plan.entity';

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
