import { createSubgraphServer, SUBGRAPH_TABLE, type Config, type SubgraphDefinition } from '@lattice/platform';
import { migrations } from '../migrations';
import { entities } from './entities';
import { createLoaders, type Loaders } from './loaders';
import { buildMonitoringSchema } from './schema';

export const definition: SubgraphDefinition<Loaders, undefined> = {
  name: 'monitoring',
  dbSchema: SUBGRAPH_TABLE.monitoring.dbSchema,
  entities,
  migrations,
  buildSchema: buildMonitoringSchema,
  loaders: createLoaders,
};

export const buildSchema = definition.buildSchema;
export const createServer = (config: Config) => createSubgraphServer(definition, config);
