import { ApolloGateway, IntrospectAndCompose } from '@apollo/gateway';
import { createLogger, createMetrics, createServiceServer, type Config, type ServiceServer } from '@lattice/platform';
import { createAuthenticator } from './auth';
import { localSubgraphs, readSupergraph, subgraphUrl } from './config';
import type { GatewayContext } from './context';
import { rejectSubscriptionsOverHttp } from './plugins';
import { PrincipalDataSource } from './principal-data-source';

const healthUrl = (graphqlUrl: string) => new URL('/healthz', graphqlUrl).toString();

/** The gateway server, not yet listening: pure, so tests start it on port 0. */
export async function createGateway(config: Config): Promise<ServiceServer> {
  const logger = createLogger('gateway', config.LOG_LEVEL);
  const authenticate = await createAuthenticator(config);
  const urls = new Map<string, string>();
  const gateway = new ApolloGateway({
    ...(config.SUPERGRAPH === 'introspect'
      ? { supergraphSdl: new IntrospectAndCompose({ subgraphs: localSubgraphs(config) }) }
      : { supergraphSdl: readSupergraph(config) }),
    buildService: ({ name, url }) => {
      const target = subgraphUrl(config, name, url);
      if (!target) throw new Error(`No URL for subgraph ${name}`);
      urls.set(name, target);
      return new PrincipalDataSource(target, config.INTERNAL_TOKEN_SECRET);
    },
    logger,
  });

  return createServiceServer<GatewayContext>({
    name: 'gateway',
    config,
    logger,
    metrics: createMetrics('gateway'),
    graph: { gateway },
    landingPage: true,
    context: async (req, requestId) => ({ requestId, principal: await authenticate(req.headers.authorization) }),
    plugins: [rejectSubscriptionsOverHttp],
    readiness: {
      subgraphs: async () => {
        if (!urls.size) throw new Error('supergraph not loaded');
        await Promise.all(
          [...urls].map(async ([name, url]) => {
            const res = await fetch(healthUrl(url), { signal: AbortSignal.timeout(2000) });
            if (!res.ok) throw new Error(`${name} answered ${res.status}`);
          }),
        );
      },
    },
  });
}
