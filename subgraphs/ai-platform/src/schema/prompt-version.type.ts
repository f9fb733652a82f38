import { Field, ID, Int, ObjectType } from 'type-graphql';

@ObjectType({ description: 'One immutable version of a prompt.' })
export class PromptVersion {
  @Field(() => ID)
  id!: string;

  @Field(() => Int, { description: 'Starts at 1, one more for every new version.' })
  version!: number;

  @Field()
  template!: string;

  @Field()
  createdAt!: Date;
}
