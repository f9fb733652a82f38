import { InheritCacheHint } from '@lattice/platform';
import { Field, ID, Int, ObjectType } from 'type-graphql';
import type { PlanInterval } from '../entities/plan.entity';
import { BillingInterval } from './billing-interval.enum';

@ObjectType({ description: 'The most of one metered feature a plan allows per billing cycle.' })
export class PlanLimit {
  @Field({ description: 'prompt_runs, tokens, seats or api_calls.' })
  feature!: string;

  @Field(() => Int, { nullable: true, description: 'null = unlimited.' })
  limit!: number | null;
}

@ObjectType({ description: 'A tier an organization can subscribe to.' })
export class Plan {
  @Field(() => ID)
  id!: string;

  @Field({ description: 'Stable handle: free, pro or enterprise.' })
  key!: string;

  @Field()
  name!: string;

  @Field(() => Int, { description: 'Price per interval in the smallest unit of currency.' })
  priceCents!: number;

  @Field({ description: 'ISO 4217 code; the same (USD) for every plan.' })
  currency!: string;

  @Field(() => BillingInterval)
  interval!: PlanInterval;

  // As cacheable as the field that returned the plan (`plans`: public); object fields are max-age 0 otherwise.
  @InheritCacheHint()
  @Field(() => [PlanLimit])
  limits!: PlanLimit[];
}
