import { ACTOR_KINDS, type ActorKind as Kind } from '@lattice/platform';
import { IsOptional, MaxLength } from 'class-validator';
import { GraphQLJSON } from 'graphql-scalars';
import { Field, ID, InputType, ObjectType, registerEnumType } from 'type-graphql';
import { User } from './user.type';

export const ActorKind = Object.fromEntries(ACTOR_KINDS.map((k) => [k, k])) as { [K in Kind]: K };
registerEnumType(ActorKind, { name: 'ActorKind', description: 'Who did something: a signed-in user, an API key, or the platform itself.' });

@ObjectType({ description: 'One mutation, in any subgraph: who did what to which object, with the fields it changed.' })
export class AuditEntry {
  @Field(() => ID)
  id!: string;

  @Field()
  at!: Date;

  @Field({ description: 'e.g. prompt.create, organization.create, session.logIn.' })
  action!: string;

  @Field(() => ActorKind)
  actorKind!: Kind;

  @Field(() => User, { nullable: true, description: 'null for API keys and the platform, and once the user is deleted.' })
  actor!: User | null;

  @Field()
  targetType!: string;

  @Field(() => ID, { nullable: true })
  targetId!: string | null;

  @Field(() => GraphQLJSON, { nullable: true, description: '{ field: { before, after } }, secrets redacted.' })
  changes!: Record<string, { before: unknown; after: unknown }> | null;

  @Field(() => String, { nullable: true })
  requestId!: string | null;

  @Field(() => String, { nullable: true })
  ip!: string | null;

  /** What the `actor` field resolver loads; not a field. */
  actorId!: string | null;
}

@InputType({ description: 'Every given field must match; from/to bound `at` (from inclusive, to exclusive).' })
export class AuditLogFilter {
  @Field(() => ID, { nullable: true })
  actorId?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(100)
  action?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(100)
  targetType?: string | null;

  @Field(() => ID, { nullable: true })
  @IsOptional()
  @MaxLength(200)
  targetId?: string | null;

  @Field(() => Date, { nullable: true })
  from?: Date | null;

  @Field(() => Date, { nullable: true })
  to?: Date | null;
}
