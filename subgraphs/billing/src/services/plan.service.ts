import {
  alignToKeys,
  badUserInput,
  mutate,
  notFound,
  parseId,
  publicDataChanged,
  selectRows,
  type PlainRow,
  type Scope,
} from '@lattice/platform';
import type { EntityManager } from '@mikro-orm/postgresql';
import { FEATURES, PlanEntity, type Feature } from '../entities/plan.entity';
import { policy } from '../policy';
import type { UpdatePlanInput } from '../schema/update-plan.input';

/** Seeded by the first migration with this fixed id; where organizations without a subscription are. */
export const FREE_PLAN_ID = '00000000-0000-4000-8000-000000000001';

/** A plan with its limits as the reads return it: plain rows, not entities (`selectRows`). */
export type PlanRow = PlainRow<PlanEntity> & { limits: Array<{ feature: Feature; limit: number | null }> };

/** Limits in the order of FEATURES, whatever order the database returned them in. */
export const orderedLimits = <L extends { feature: Feature }>(limits: Iterable<L>): L[] =>
  [...limits].sort((a, b) => FEATURES.indexOf(a.feature) - FEATURES.indexOf(b.feature));

/**
 * Plans with their limits in one statement (a left join, grouped here), cheapest first. Plain
 * rows: em.find with `populate: ['limits']` hydrated 3 plans and 12 limits into managed entities
 * for every call, about 1.5 ms of CPU where the query itself costs 0.2 ms.
 */
async function readPlans(em: EntityManager, where: string, params: unknown[]): Promise<PlanRow[]> {
  type Joined = PlainRow<PlanEntity> & { limit_feature: Feature | null; limit_value: number | null };
  const rows = (await selectRows<PlanEntity>(
    em,
    PlanEntity,
    `select p.*, l.feature as limit_feature, l."limit" as limit_value
       from "billing"."plans" p left join "billing"."plan_limits" l on l.plan_id = p.id
      ${where}
      order by p.sort_order, p.id`,
    params,
  )) as Joined[];
  const plans = new Map<string, PlanRow>();
  for (const { limit_feature: feature, limit_value: limit, ...row } of rows) {
    let plan = plans.get(row.id);
    if (!plan) plans.set(row.id, (plan = { ...row, limits: [] }));
    if (feature) plan.limits.push({ feature, limit });
  }
  return [...plans.values()];
}

/** Every plan with its limits, cheapest first: public, the same for every caller. */
export const listPlans = (em: EntityManager) => readPlans(em, '', []);

/** Plans with their limits for a DataLoader batch: one statement (a join) however many ids. */
export async function plansByIds(em: EntityManager, ids: readonly string[]): Promise<Array<PlanRow | Error>> {
  const plans = await readPlans(em, 'where p.id in (?)', [ids]);
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
