import { AccessTokenSigner, createSubgraphServer, loadKeyPair, type Config } from '@lattice/platform';
import { migrations } from '../migrations';
import type { Deps } from './context';
import { entities } from './entities';
import { createLoaders } from './loaders';
import { buildAccountsSchema } from './schema';

export { buildAccountsSchema as buildSchema };

export const createServer = (config: Config) =>
  createSubgraphServer<ReturnType<typeof createLoaders>, Deps>(
    {
      name: 'accounts',
      dbSchema: 'accounts',
      entities,
      migrations,
      buildSchema: buildAccountsSchema,
      loaders: createLoaders,
      deps: async () => {
        const { privateKey } = await loadKeyPair(config);
        if (!privateKey) throw new Error('JWT_PRIVATE_KEY is required: accounts signs the access tokens');
        return { signer: await AccessTokenSigner.fromPem(privateKey, config.ACCESS_TOKEN_TTL), refreshTokenTtlSeconds: config.REFRESH_TOKEN_TTL };
      },
    },
    config,
  );
