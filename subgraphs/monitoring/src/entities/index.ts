import { MetricPointEntity } from './metric-point.entity';

export { MetricPointEntity };

/** Every entity of this subgraph, for the ORM's explicit list. */
export const entities = [MetricPointEntity];
