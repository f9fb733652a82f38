import type { PlanEntity } from '../entities/plan.entity';
import { orderedLimits, type PlanRow } from '../services/plan.service';
import type { EffectiveSubscription } from '../services/subscription.service';
import type { BillingSubscription } from './billing-subscription.type';
import type { Plan } from './plan.type';

/** Entity → GraphQL type, in one place, so a column change never changes the API. Reads give rows, updatePlan its entity. */
export const toPlan = (p: PlanRow | PlanEntity): Plan => ({
  id: p.id,
  key: p.key,
  name: p.name,
  priceCents: p.priceCents,
  currency: p.currency,
  interval: p.interval,
  limits: orderedLimits(p.limits).map((l) => ({ feature: l.feature, limit: l.limit })),
});

/** Without `plan`: the BillingSubscription.plan field resolver loads it by `planId`. */
export const toBillingSubscription = (s: EffectiveSubscription): Omit<BillingSubscription, 'plan'> => ({
  id: s.id,
  status: s.status,
  planId: s.planId,
  currentPeriodEnd: s.currentPeriodEnd,
  cancelAtPeriodEnd: s.cancelAtPeriodEnd,
});
