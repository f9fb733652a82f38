import {
  AccessTokenSigner,
  createSubgraphServer,
  loadKeyPair,
  SUBGRAPH_TABLE,
  type Config,
  type SubgraphDefinition,
} from '@lattice/platform';
import { migrations } from '../migrations';
import type { Deps } from './context';
import { entities } from './entities';
import { createLoaders, type Loaders } from './loaders';
import { buildAccountsSchema } from './schema';
import { authThrottle } from './services/auth-throttle';
import { membershipProjector, membershipsEndpoint } from './services/membership-projection';
import { startWorkers } from './workers';

export const definition: SubgraphDefinition<Loaders, Deps> = {
  name: 'accounts',
  dbSchema: SUBGRAPH_TABLE.accounts.dbSchema,
  entities,
  migrations,
  buildSchema: buildAccountsSchema,
  loaders: createLoaders,
  workers: startWorkers,
  // accounts alone holds the private key: it signs the access tokens the gateway verifies.
  deps: async (runtime) => {
    const { config } = runtime;
    const { privateKey } = await loadKeyPair(config);
    if (!privateKey) throw new Error('JWT_PRIVATE_KEY is required: accounts signs the access tokens');
    return {
      signer: await AccessTokenSigner.fromPem(privateKey, config.ACCESS_TOKEN_TTL),
      refreshTokenTtlSeconds: config.REFRESH_TOKEN_TTL,
      memberships: membershipProjector(runtime),
      throttle: authThrottle(runtime),
    };
  },
  // Readers that find a user's membership projection missing have accounts rebuild it (service principals only).
  routes: (app, runtime, deps) => {
    app.get('/internal/memberships/:userId', membershipsEndpoint(deps.memberships, runtime.config.INTERNAL_TOKEN_SECRET));
  },
};

export const buildSchema = definition.buildSchema;
export const createServer = (config: Config) => createSubgraphServer(definition, config);
