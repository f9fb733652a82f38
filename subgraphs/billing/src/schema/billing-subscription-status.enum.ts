import { registerEnum } from '@lattice/platform';
import { SUBSCRIPTION_STATUSES } from '../entities/billing-subscription.entity';

/** GraphQL enum with the same values as the entity's status list. */
export const BillingSubscriptionStatus = registerEnum(SUBSCRIPTION_STATUSES, { name: 'BillingSubscriptionStatus' });
