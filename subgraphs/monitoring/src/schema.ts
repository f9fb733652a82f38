import { buildFederatedSchema } from '@lattice/platform';
import { MetricResolver } from './resolvers/metric.resolver';
import { User } from './schema/user.type';
import { policy } from './policy';

export const buildMonitoringSchema = () => buildFederatedSchema({ resolvers: [MetricResolver], orphanedTypes: [User], policy });
