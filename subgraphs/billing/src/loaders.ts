import type { Scope } from '@lattice/platform';
import DataLoader from 'dataloader';
import type { PlanEntity } from './entities/plan.entity';
import type { Context } from './context';
import type { Organization } from './schema/organization.type';
import { visibleOrganizationId } from './services/organization.service';
import { plansByIds } from './services/plan.service';
import { subscriptionsByOrg, type EffectiveSubscription } from './services/subscription.service';

/** Per request, so N organizations in one response cost a constant number of statements. */
export interface Loaders {
  /** Effective subscription by organization id; tenancy enforced in the batch. */
  subscriptionByOrg: DataLoader<string, EffectiveSubscription>;
  /** Plan with its limits by plan id. */
  planById: DataLoader<string, PlanEntity>;
}

export const createLoaders = (scope: Scope): Loaders => ({
  subscriptionByOrg: new DataLoader((orgIds) => subscriptionsByOrg(scope, orgIds)),
  planById: new DataLoader((ids) => plansByIds(scope.em, ids)),
});

/**
 * Organization's `__resolveReference`: no query, billing holds no organization rows; the
 * membership check keeps an entity lookup from the gateway inside the caller's tenants.
 * Async on purpose: @apollo/subgraph maps representations synchronously, so a synchronous
 * throw would fail the whole `_entities` list instead of only this organization.
 */
export const resolveOrganizationReference = async (reference: { id?: unknown }, ctx: Context): Promise<Pick<Organization, 'id'>> => ({
  id: visibleOrganizationId(ctx.principal, reference.id),
});
