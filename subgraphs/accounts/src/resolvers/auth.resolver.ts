import { Arg, Authorized, Ctx, ID, Mutation, Resolver } from 'type-graphql';
import type { Context } from '../context';
import { AuthPayload } from '../schema/auth-payload.type';
import { LogInInput, SignUpInput } from '../schema/auth.input';
import { toUser } from '../schema/map';
import { logIn, refreshSession, signUp, switchOrganization, type Tokens } from '../services/session.service';

const toPayload = (t: Tokens): AuthPayload => ({ accessToken: t.accessToken, refreshToken: t.refreshToken, user: toUser(t.user) });

@Resolver()
export class AuthResolver {
  @Mutation(() => AuthPayload, { description: 'Create an account (public). The session starts with no active organization.' })
  async signUp(@Arg('input') input: SignUpInput, @Ctx() ctx: Context): Promise<AuthPayload> {
    return toPayload(await signUp(ctx.scope, ctx.deps, input));
  }

  @Mutation(() => AuthPayload, { description: 'Log in (public); resumes the organization last switched to.' })
  async logIn(@Arg('input') input: LogInInput, @Ctx() ctx: Context): Promise<AuthPayload> {
    return toPayload(await logIn(ctx.scope, ctx.deps, input));
  }

  @Mutation(() => AuthPayload, { description: 'Exchange a refresh token (public, single use) for a new pair.' })
  async refreshSession(@Arg('refreshToken') refreshToken: string, @Ctx() ctx: Context): Promise<AuthPayload> {
    return toPayload(await refreshSession(ctx.scope, ctx.deps, refreshToken));
  }

  @Authorized('sessions:switch')
  @Mutation(() => AuthPayload, { description: 'Act for another organization you belong to; returns new tokens.' })
  async switchOrganization(@Arg('organizationId', () => ID) organizationId: string, @Ctx() ctx: Context): Promise<AuthPayload> {
    return toPayload(await switchOrganization(ctx.scope, ctx.deps, organizationId));
  }
}
