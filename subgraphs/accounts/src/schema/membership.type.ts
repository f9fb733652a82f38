import type { OrgRole as Role } from '@lattice/platform';
import { Field, ObjectType } from 'type-graphql';
import { OrgRole } from './org-role.enum';
import { Organization } from './organization.type';
import { User } from './user.type';

@ObjectType({ description: "A user's role in one organization." })
export class Membership {
  @Field(() => OrgRole)
  role!: Role;

  @Field(() => User)
  user!: User;

  @Field(() => Organization)
  organization!: Organization;

  /** Ids the field resolvers load from; not part of the schema. */
  userId!: string;
  orgId!: string;
}
