import { Field, ID, ObjectType, registerEnumType } from 'type-graphql';
import { Plan } from './plan.type';

export enum BillingSubscriptionStatus {
  TRIALING = 'TRIALING',
  ACTIVE = 'ACTIVE',
  PAST_DUE = 'PAST_DUE',
  CANCELED = 'CANCELED',
  INCOMPLETE = 'INCOMPLETE',
  INCOMPLETE_EXPIRED = 'INCOMPLETE_EXPIRED',
  UNPAID = 'UNPAID',
  PAUSED = 'PAUSED',
}
registerEnumType(BillingSubscriptionStatus, { name: 'BillingSubscriptionStatus' });

/** Named so because `Subscription` is GraphQL's root type. */
@ObjectType({ description: "An organization's plan and billing state." })
export class BillingSubscription {
  @Field(() => ID)
  id!: string;

  @Field(() => BillingSubscriptionStatus)
  status!: BillingSubscriptionStatus;

  /** Not a field: what the `plan` field resolver loads. */
  planId!: string;

  @Field(() => Plan)
  plan!: Plan;

  @Field(() => Date, { nullable: true, description: 'End of the paid period; null on the free plan.' })
  currentPeriodEnd!: Date | null;

  @Field({ description: 'Whether the subscription ends at currentPeriodEnd instead of renewing.' })
  cancelAtPeriodEnd!: boolean;
}
