import { IsOptional, Length, Matches, MaxLength } from 'class-validator';
import { Field, InputType } from 'type-graphql';

// NUL (which PostgreSQL text cannot hold) and other control characters are refused for every
// string input in one place: validateInput in @lattice/platform.
@InputType()
export class CreatePromptInput {
  @Field({ description: 'Unique in the organization, ignoring case; surrounding spaces are dropped.' })
  @Length(1, 200)
  @Matches(/\S/, { message: 'name must not be blank' })
  name!: string;

  @Field({ description: 'Text of version 1, with {{variables}}.' })
  @Length(1, 100_000)
  template!: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(2000)
  description?: string | null;
}
