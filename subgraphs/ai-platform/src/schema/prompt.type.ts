import { Directive, Field, ID, ObjectType } from 'type-graphql';
import { User } from './user.type';

/** `latestVersion` is a field resolver (PromptResolver), batched by a DataLoader. */
@ObjectType({ description: 'A prompt of the library, with immutable versions.' })
@Directive('@key(fields: "id")')
export class Prompt {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field(() => String, { nullable: true })
  description!: string | null;

  @Field(() => User, { nullable: true, description: 'Who created it; null when created by an API key or service.' })
  createdBy!: User | null;

  @Field()
  createdAt!: Date;
}
