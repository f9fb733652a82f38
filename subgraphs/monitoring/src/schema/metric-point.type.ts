import { Field, Float, Int, ObjectType } from 'type-graphql';
import { GraphQLJSON } from 'graphql-scalars';
import { User } from './user.type';

@ObjectType({ description: 'One recorded value of a metric.' })
export class MetricPoint {
  @Field()
  name!: string;

  @Field(() => Float)
  value!: number;

  @Field(() => GraphQLJSON, { nullable: true })
  labels!: Record<string, string> | null;

  @Field()
  at!: Date;

  @Field(() => User, { nullable: true, description: 'Who recorded it; null for the platform itself.' })
  recordedBy!: User | null;
}

@ObjectType({ description: 'Aggregate of the points in [start, start + bucketSeconds).' })
export class MetricBucket {
  @Field()
  start!: Date;

  @Field(() => Int)
  count!: number;

  @Field(() => Float, { nullable: true })
  avg!: number | null;

  @Field(() => Float, { nullable: true })
  min!: number | null;

  @Field(() => Float, { nullable: true })
  max!: number | null;
}
