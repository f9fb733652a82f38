import { createSubgraphServer, SUBGRAPH_TABLE, type Config, type SubgraphDefinition } from '@lattice/platform';
import { migrations } from '../migrations';
import { entities } from './entities';
import { createLoaders, type Loaders } from './loaders';
import { buildAiPlatformSchema } from './schema';

export const definition: SubgraphDefinition<Loaders, undefined> = {
  name: 'ai-platform',
  dbSchema: SUBGRAPH_TABLE['ai-platform'].dbSchema,
  entities,
  migrations,
  buildSchema: buildAiPlatformSchema,
  loaders: createLoaders,
};

export const buildSchema = definition.buildSchema;
export const createServer = (config: Config) => createSubgraphServer(definition, config);
