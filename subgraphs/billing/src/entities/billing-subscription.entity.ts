import { BaseEntity } from '@lattice/platform';
import { Entity, ManyToOne, Property } from '@mikro-orm/core';
import { PlanEntity } from './plan.entity';

/** Stripe's subscription statuses; the GraphQL enum `BillingSubscriptionStatus` and the first migration's check have the same values. */
export const SUBSCRIPTION_STATUSES = [
  'TRIALING',
  'ACTIVE',
  'PAST_DUE',
  'CANCELED',
  'INCOMPLETE',
  'INCOMPLETE_EXPIRED',
  'UNPAID',
  'PAUSED',
] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

/** At most one per organization; an organization without one is on the free plan. */
@Entity({ tableName: 'subscriptions' })
export class BillingSubscriptionEntity extends BaseEntity<'cancelAtPeriodEnd' | 'updatedAt'> {
  /** accounts organization id (unique); plain id, never a foreign key across subgraphs */
  @Property({ type: 'uuid' })
  orgId!: string;

  @ManyToOne({ entity: () => PlanEntity })
  plan!: PlanEntity;

  @Property({ type: 'string' })
  status!: SubscriptionStatus;

  @Property({ type: 'datetime', nullable: true })
  currentPeriodEnd: Date | null = null;

  @Property({ type: 'boolean' })
  cancelAtPeriodEnd: boolean = false;

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
