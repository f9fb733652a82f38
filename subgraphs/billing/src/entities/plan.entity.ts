import { Collection, Entity, ManyToOne, OneToMany, PrimaryKey, PrimaryKeyProp, Property } from '@mikro-orm/core';

/** Metered features a plan limits; the first migration checks the same list. */
export const FEATURES = ['prompt_runs', 'tokens', 'seats', 'api_calls'] as const;
export type Feature = (typeof FEATURES)[number];

/** How often a plan bills; the GraphQL enum `BillingInterval` and the first migration's check have the same values. */
export const PLAN_INTERVALS = ['MONTH', 'YEAR'] as const;
export type PlanInterval = (typeof PLAN_INTERVALS)[number];

@Entity({ tableName: 'plans' })
export class PlanEntity {
  /** Fixed ids, seeded by the first migration. */
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  /** free | pro | enterprise: stable handle for code, unlike the display name */
  @Property({ type: 'string' })
  key!: string;

  @Property({ type: 'string' })
  name!: string;

  @Property({ type: 'integer' })
  priceCents!: number;

  @Property({ type: 'string', length: 3 })
  currency!: string;

  @Property({ type: 'string' })
  interval!: PlanInterval;

  @Property({ type: 'string', nullable: true })
  stripePriceId: string | null = null;

  @Property({ type: 'integer' })
  sortOrder!: number;

  @OneToMany({ entity: () => PlanLimitEntity, mappedBy: 'plan' })
  limits = new Collection<PlanLimitEntity>(this);
}

@Entity({ tableName: 'plan_limits' })
export class PlanLimitEntity {
  [PrimaryKeyProp]?: ['plan', 'feature'];

  @ManyToOne({ entity: () => PlanEntity, primary: true })
  plan!: PlanEntity;

  @PrimaryKey({ type: 'string' })
  feature!: Feature;

  /** null = unlimited */
  @Property({ type: 'integer', nullable: true })
  limit: number | null = null;
}
