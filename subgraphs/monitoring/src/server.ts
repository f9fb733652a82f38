import { createSubgraphServer, type Config } from '@lattice/platform';
import { migrations } from '../migrations';
import { entities } from './entities/metric-point.entity';
import { createLoaders } from './loaders';
import { buildMonitoringSchema } from './schema';

export { buildMonitoringSchema as buildSchema };

export const createServer = (config: Config) =>
  createSubgraphServer(
    { name: 'monitoring', dbSchema: 'monitoring', entities, migrations, buildSchema: buildMonitoringSchema, loaders: createLoaders },
    config,
  );
