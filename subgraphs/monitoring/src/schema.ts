import { buildFederatedSchema } from '@lattice/platform';
import { MetricResolver } from './resolvers/metric.resolver';
import { User } from './schema/user.type';

export const buildMonitoringSchema = () =>
  buildFederatedSchema({ resolvers: [MetricResolver], orphanedTypes: [User] });
