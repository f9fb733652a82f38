import { Directive, Field, ID, ObjectType } from 'type-graphql';

@ObjectType({ description: 'A tenant: every other object belongs to exactly one.' })
@Directive('@key(fields: "id")')
export class Organization {
  @Field(() => ID)
  id!: string;

  @Field()
  name!: string;

  @Field()
  slug!: string;

  @Field()
  createdAt!: Date;
}
