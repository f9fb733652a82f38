import { Directive, Field, ID, ObjectType } from 'type-graphql';

/** Reference to accounts' User: ai-platform knows only the id. */
@ObjectType()
@Directive('@key(fields: "id", resolvable: false)')
export class User {
  @Field(() => ID)
  id!: string;
}
