import { createSubgraphServer, SUBGRAPH_TABLE, type Config, type SubgraphDefinition } from '@lattice/platform';
import { migrations } from '../migrations';
import { entities } from './entities';
import { createLoaders, type Loaders } from './loaders';
import { buildBillingSchema } from './schema';

export const definition: SubgraphDefinition<Loaders, undefined> = {
  name: 'billing',
  dbSchema: SUBGRAPH_TABLE.billing.dbSchema,
  entities,
  migrations,
  buildSchema: buildBillingSchema,
  loaders: createLoaders,
};

export const buildSchema = definition.buildSchema;
export const createServer = (config: Config) => createSubgraphServer(definition, config);
