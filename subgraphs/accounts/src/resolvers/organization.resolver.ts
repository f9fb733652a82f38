import { Arg, Authorized, Ctx, Mutation, Resolver } from 'type-graphql';
import type { Context } from '../context';
import { CreateOrganizationInput } from '../schema/auth.input';
import { toOrganization } from '../schema/map';
import { Organization } from '../schema/organization.type';
import { createOrganization } from '../services/organization.service';

@Resolver(() => Organization)
export class OrganizationResolver {
  @Authorized('organizations:create')
  @Mutation(() => Organization, { description: 'Create an organization; the caller becomes its OWNER.' })
  async createOrganization(@Arg('input') input: CreateOrganizationInput, @Ctx() ctx: Context): Promise<Organization> {
    return toOrganization(await createOrganization(ctx.scope, ctx.deps, input));
  }
}
