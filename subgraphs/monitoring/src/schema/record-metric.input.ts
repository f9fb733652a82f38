import { IsObject, IsOptional, Length, Matches } from 'class-validator';
import { GraphQLJSON } from 'graphql-scalars';
import { Field, Float, InputType } from 'type-graphql';

export const METRIC_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]*$/;
export const MAX_METRIC_NAME = 200;

/** For names that arrive as plain arguments (series, subscriptions), where no input class validates. */
export const isMetricName = (name: string) => name.length <= MAX_METRIC_NAME && METRIC_NAME.test(name);

@InputType()
export class RecordMetricInput {
  @Field()
  @Length(1, MAX_METRIC_NAME)
  @Matches(METRIC_NAME, { message: 'name may contain letters, digits, _ . : - and must start with a letter or _' })
  name!: string;

  @Field(() => Float)
  value!: number;

  @Field(() => GraphQLJSON, { nullable: true, description: 'String labels, at most 20.' })
  @IsOptional()
  @IsObject({ message: 'labels must be an object of strings' })
  labels?: Record<string, unknown> | null;

  @Field(() => Date, { nullable: true, description: 'When the value was observed; defaults to now.' })
  @IsOptional()
  at?: Date | null;
}
