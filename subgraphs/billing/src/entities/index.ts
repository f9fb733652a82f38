import { BillingSubscriptionEntity } from './billing-subscription.entity';
import { PlanEntity, PlanLimitEntity } from './plan.entity';

/** Every entity of this subgraph, for the ORM's explicit list. */
export const entities = [PlanEntity, PlanLimitEntity, BillingSubscriptionEntity];
