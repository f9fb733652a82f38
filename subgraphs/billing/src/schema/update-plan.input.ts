import { IsDisplayName } from '@lattice/platform';
import { IsOptional, Length, Matches } from 'class-validator';
import { Field, InputType } from 'type-graphql';

/** Stripe's price ids: `price_` and letters and digits. */
const STRIPE_PRICE_ID = /^price_[A-Za-z0-9]{1,100}$/;

/**
 * What updatePlan changes; a field left out keeps its value. `name: null` is refused by the
 * service (a plan always has one); `stripePriceId: null` removes the price.
 */
@InputType()
export class UpdatePlanInput {
  @Field(() => String, { nullable: true, description: 'Display name, 1 to 100 characters; surrounding spaces are dropped.' })
  @IsOptional()
  @Length(1, 100, { message: 'name must be 1 to 100 characters' })
  @Matches(/\S/, { message: 'name must not be blank' })
  @IsDisplayName()
  name?: string | null;

  @Field(() => String, { nullable: true, description: 'The Stripe price this plan bills with (price_…); null removes it.' })
  @IsOptional()
  @Matches(STRIPE_PRICE_ID, { message: 'stripePriceId must be a Stripe price id: price_ followed by letters and digits' })
  stripePriceId?: string | null;
}
