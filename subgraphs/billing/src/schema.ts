import { buildFederatedSchema } from '@lattice/platform';
import { resolveOrganizationReference } from './loaders';
import { BillingSubscriptionResolver } from './resolvers/billing-subscription.resolver';
import { OrganizationResolver } from './resolvers/organization.resolver';
import { PlanResolver } from './resolvers/plan.resolver';
import { Organization } from './schema/organization.type';
import { policy } from './policy';

export const buildBillingSchema = () =>
  buildFederatedSchema({
    resolvers: [PlanResolver, OrganizationResolver, BillingSubscriptionResolver],
    // Reached only through _entities, so type-graphql must be told to emit it.
    orphanedTypes: [Organization],
    referenceResolvers: { Organization: resolveOrganizationReference },
    policy,
  });
