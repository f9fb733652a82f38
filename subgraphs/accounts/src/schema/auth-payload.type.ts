import { Field, ObjectType } from 'type-graphql';
import { User } from './user.type';

@ObjectType({ description: 'Tokens of a session: a short-lived access token and a single-use refresh token.' })
export class AuthPayload {
  @Field({ description: 'JWT for `Authorization: Bearer`; expires after ACCESS_TOKEN_TTL seconds.' })
  accessToken!: string;

  @Field({ description: 'Opaque; exchange it once with refreshSession for a new pair.' })
  refreshToken!: string;

  @Field(() => User)
  user!: User;
}
