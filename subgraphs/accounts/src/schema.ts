import { buildFederatedSchema } from '@lattice/platform';
import { AuthResolver } from './resolvers/auth.resolver';
import { MembershipResolver } from './resolvers/membership.resolver';
import { OrganizationResolver, resolveOrganizationReference } from './resolvers/organization.resolver';
import { resolveUserReference, UserResolver } from './resolvers/user.resolver';
import { policy } from './policy';

export const buildAccountsSchema = () =>
  buildFederatedSchema({
    resolvers: [AuthResolver, UserResolver, MembershipResolver, OrganizationResolver],
    referenceResolvers: { User: resolveUserReference, Organization: resolveOrganizationReference },
    policy,
  });
