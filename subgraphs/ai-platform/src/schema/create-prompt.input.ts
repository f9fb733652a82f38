import { IsOptional, Length, Matches, MaxLength } from 'class-validator';
import { Field, InputType } from 'type-graphql';

// PostgreSQL text cannot hold NUL: reject it here rather than fail in the database.
// eslint-disable-next-line no-control-regex -- the NUL character is exactly what this rejects
const NO_NUL = /^[^\u0000]*$/;

@InputType()
export class CreatePromptInput {
  @Field({ description: 'Unique in the organization, ignoring case; surrounding spaces are dropped.' })
  @Length(1, 200)
  @Matches(/\S/, { message: 'name must not be blank' })
  @Matches(NO_NUL, { message: 'name must not contain NUL characters' })
  name!: string;

  @Field({ description: 'Text of version 1, with {{variables}}.' })
  @Length(1, 100_000)
  @Matches(NO_NUL, { message: 'template must not contain NUL characters' })
  template!: string;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(2000)
  @Matches(NO_NUL, { message: 'description must not contain NUL characters' })
  description?: string | null;
}
