import { Field, ID, ObjectType } from 'type-graphql';
import type { SubscriptionStatus } from '../entities/billing-subscription.entity';
import { BillingSubscriptionStatus } from './billing-subscription-status.enum';
import { Plan } from './plan.type';

/** Named so because `Subscription` is GraphQL's root type. */
@ObjectType({ description: "An organization's plan and billing state." })
export class BillingSubscription {
  @Field(() => ID)
  id!: string;

  @Field(() => BillingSubscriptionStatus)
  status!: SubscriptionStatus;

  /** Not a field: what the `plan` field resolver loads. */
  planId!: string;

  @Field(() => Plan)
  plan!: Plan;

  @Field(() => Date, { nullable: true, description: 'End of the paid period; null on the free plan.' })
  currentPeriodEnd!: Date | null;

  @Field({ description: 'Whether the subscription ends at currentPeriodEnd instead of renewing.' })
  cancelAtPeriodEnd!: boolean;
}
