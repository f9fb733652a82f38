import { ApolloGateway, IntrospectAndCompose, type ServiceMap } from '@apollo/gateway';
import { createLogger, createMetrics, createServiceServer, type Config, type ServiceServer } from '@lattice/platform/core';
import { createAuthenticator } from './auth';
import { localSubgraphs, readSupergraph, subgraphUrl } from './config';
import type { GatewayContext } from './context';
import { rejectSubscriptionsOverHttp } from './plugins';
import { PrincipalDataSource, PrincipalSigner } from './principal-data-source';
import { trackSupergraph } from './subscriptions/planner';
import type { SubscriptionStats } from './subscriptions/upstream';
import { createSubscriptionServer } from './subscriptions/ws-server';

const healthUrl = (graphqlUrl: string) => new URL('/healthz', graphqlUrl).toString();

/** The gateway server, not yet listening: pure, so tests start it on port 0. */
export async function createGateway(config: Config): Promise<ServiceServer> {
  const logger = createLogger('gateway', config.LOG_LEVEL);
  const metrics = createMetrics('gateway');
  const authenticate = await createAuthenticator(config);
  const services = new Map<string, { url: string; dataSource: PrincipalDataSource }>();
  const signer = new PrincipalSigner(config.INTERNAL_TOKEN_SECRET);
  const gateway = new ApolloGateway({
    ...(config.SUPERGRAPH === 'introspect'
      ? { supergraphSdl: new IntrospectAndCompose({ subgraphs: localSubgraphs(config) }) }
      : { supergraphSdl: readSupergraph(config) }),
    buildService: ({ name, url }) => {
      const target = subgraphUrl(config, name, url);
      if (!target) throw new Error(`No URL for subgraph ${name}`);
      const dataSource = new PrincipalDataSource(target, signer);
      services.set(name, { url: target, dataSource });
      return dataSource;
    },
    logger,
  });
  // Registered before Apollo Server loads the gateway, so the first load is seen too.
  const supergraph = trackSupergraph(gateway);

  const stats: SubscriptionStats = { upstreamSubscriptions: 0, upstreamConnections: 0, connections: 0 };
  metrics.gauge('lattice_gateway_upstream_subscriptions', 'Subscriptions the gateway holds open on subgraphs', () => stats.upstreamSubscriptions);
  metrics.gauge('lattice_gateway_upstream_connections', 'graphql-ws sockets the gateway holds open to subgraphs', () => stats.upstreamConnections);
  metrics.gauge('lattice_gateway_websocket_connections', 'Acknowledged graphql-ws connections of clients', () => stats.connections);

  return createServiceServer<GatewayContext>({
    name: 'gateway',
    config,
    logger,
    metrics,
    graph: { gateway },
    landingPage: true,
    context: async (req, requestId) => ({
      requestId,
      principal: (await authenticate(req.headers.authorization))?.principal ?? null,
      ip: req.socket.remoteAddress ?? null,
    }),
    plugins: [rejectSubscriptionsOverHttp],
    websocket: createSubscriptionServer({
      supergraph: supergraph.current,
      services: () => Object.fromEntries([...services].map(([name, s]) => [name, s.dataSource])) as ServiceMap,
      serviceUrl: (name) => services.get(name)?.url,
      authenticate,
      signer,
      logger,
      stats,
    }),
    readiness: {
      subgraphs: async () => {
        if (!services.size) throw new Error('supergraph not loaded');
        await Promise.all(
          [...services].map(async ([name, { url }]) => {
            const res = await fetch(healthUrl(url), { signal: AbortSignal.timeout(2000) });
            if (!res.ok) throw new Error(`${name} answered ${res.status}`);
          }),
        );
      },
    },
    onStop: async () => supergraph.dispose(),
  });
}
