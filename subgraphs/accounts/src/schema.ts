import { buildFederatedSchema } from '@lattice/platform';
import { AuditResolver } from './resolvers/audit.resolver';
import { AuthResolver } from './resolvers/auth.resolver';
import { MembershipResolver } from './resolvers/membership.resolver';
import { resolveOrganizationReference } from './resolvers/organization.reference';
import { OrganizationResolver } from './resolvers/organization.resolver';
import { resolveUserReference } from './resolvers/user.reference';
import { UserResolver } from './resolvers/user.resolver';
import { policy } from './policy';

export const buildAccountsSchema = () =>
  buildFederatedSchema({
    resolvers: [AuthResolver, UserResolver, MembershipResolver, OrganizationResolver, AuditResolver],
    referenceResolvers: { User: resolveUserReference, Organization: resolveOrganizationReference },
    policy,
  });
