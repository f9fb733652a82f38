import { buildFederatedSchema } from '@lattice/platform';
import { policy } from './policy';
import { BillingSubscriptionResolver } from './resolvers/billing-subscription.resolver';
import { resolveOrganizationReference } from './resolvers/organization.reference';
import { OrganizationResolver } from './resolvers/organization.resolver';
import { PlanResolver } from './resolvers/plan.resolver';
import { Organization } from './schema/organization.type';

export const buildBillingSchema = () =>
  buildFederatedSchema({
    resolvers: [PlanResolver, OrganizationResolver, BillingSubscriptionResolver],
    // Reached only through _entities, so type-graphql must be told to emit it.
    orphanedTypes: [Organization],
    referenceResolvers: { Organization: resolveOrganizationReference },
    policy,
  });
