import { registerEnum } from '@lattice/platform';
import { PLAN_INTERVALS } from '../entities/plan.entity';

/** GraphQL enum with the same values as the entity's interval list. */
export const BillingInterval = registerEnum(PLAN_INTERVALS, { name: 'BillingInterval' });
