import { MetricPointEntity } from './metric-point.entity';

export const entities = [MetricPointEntity];
