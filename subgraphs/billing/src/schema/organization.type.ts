import { Directive, Field, ID, ObjectType } from 'type-graphql';
import { BillingSubscription } from './billing-subscription.type';

/** accounts' Organization (name, slug, ...); billing contributes its subscription. */
@ObjectType()
@Directive('@key(fields: "id")')
export class Organization {
  @Field(() => ID)
  id!: string;

  @Field(() => BillingSubscription, { description: 'The current plan; organizations without a subscription are on free.' })
  subscription!: BillingSubscription;
}
