import { notFound, selectRows, type PlainRow, type Scope } from '@lattice/platform';
import { BillingSubscriptionEntity, type SubscriptionStatus } from '../entities/billing-subscription.entity';
import { policy } from '../policy';
import { FREE_PLAN_ID } from './plan.service';

/** What an organization is on right now, whether or not it has a subscription row. */
export interface EffectiveSubscription {
  id: string;
  orgId: string;
  planId: string;
  status: SubscriptionStatus;
  currentPeriodEnd: Date | null;
  cancelAtPeriodEnd: boolean;
}

/**
 * No row means free and ACTIVE. Nothing is written on read; the id is the organization's so it
 * stays the same from one request to the next.
 */
export const freeSubscription = (orgId: string): EffectiveSubscription => ({
  id: orgId,
  orgId,
  planId: FREE_PLAN_ID,
  status: 'ACTIVE',
  currentPeriodEnd: null,
  cancelAtPeriodEnd: false,
});

type SubscriptionRow = PlainRow<BillingSubscriptionEntity, 'plan'>;

const fromRow = (row: SubscriptionRow): EffectiveSubscription => ({
  id: row.id,
  orgId: row.orgId,
  planId: row.plan,
  status: row.status,
  currentPeriodEnd: row.currentPeriodEnd,
  cancelAtPeriodEnd: row.cancelAtPeriodEnd,
});

/**
 * Subscriptions of many organizations in one statement, for a DataLoader batch: the tenant
 * guard. Organizations the principal may not read billing of get NOT_FOUND and are never queried.
 */
export async function subscriptionsByOrg(
  { em, principal }: Scope,
  orgIds: readonly string[],
): Promise<Array<EffectiveSubscription | Error>> {
  const readable = (id: string) => policy.can(principal, 'billing:read', id).allowed;
  const visible = orgIds.filter(readable);
  // Plain rows, not entities: this read only feeds GraphQL types (one statement per batch either way).
  const rows = visible.length
    ? await selectRows<BillingSubscriptionEntity, 'plan'>(
        em,
        BillingSubscriptionEntity,
        'select * from "billing"."subscriptions" where "org_id" in (?)',
        [visible],
      )
    : [];
  const byOrg = new Map(rows.map((r) => [r.orgId, r]));
  return orgIds.map((id) => {
    if (!readable(id)) return notFound('Organization');
    const row = byOrg.get(id);
    return row ? fromRow(row) : freeSubscription(id);
  });
}
