import type { Scope } from '@lattice/platform';
import DataLoader from 'dataloader';
import { plansByIds, type PlanRow } from './services/plan.service';
import { subscriptionsByOrg, type EffectiveSubscription } from './services/subscription.service';

/** Per request, so N organizations in one response cost a constant number of statements. */
export interface Loaders {
  /** Effective subscription by organization id; tenancy enforced in the batch (NOT_FOUND otherwise). */
  subscriptionByOrg: DataLoader<string, EffectiveSubscription>;
  /** Plan with its limits by plan id. */
  planById: DataLoader<string, PlanRow>;
}

export const createLoaders = (scope: Scope): Loaders => ({
  subscriptionByOrg: new DataLoader((orgIds) => subscriptionsByOrg(scope, orgIds)),
  planById: new DataLoader((ids) => plansByIds(scope.em, ids)),
});
