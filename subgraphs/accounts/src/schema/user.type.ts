import { Directive, Field, ID, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A person with a Lattice account.' })
@Directive('@key(fields: "id")')
export class User {
  @Field(() => ID)
  id!: string;

  @Field()
  email!: string;

  @Field()
  name!: string;

  @Field()
  createdAt!: Date;
}
