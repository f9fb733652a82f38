import { BillingSubscriptionEntity } from './billing-subscription.entity';
import { PlanEntity, PlanLimitEntity } from './plan.entity';

export { BillingSubscriptionEntity, PlanEntity, PlanLimitEntity };

/** Every entity of this subgraph, for the ORM's explicit list. */
export const entities = [PlanEntity, PlanLimitEntity, BillingSubscriptionEntity];
