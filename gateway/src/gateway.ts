import { ApolloGateway, IntrospectAndCompose, type ServiceMap } from '@apollo/gateway';
import {
  closeRedis,
  createLogger,
  createMetrics,
  createRedis,
  createServiceServer,
  type Config,
  type ServiceServer,
} from '@lattice/platform/core';
import { createAuthenticator } from './auth';
import { localSubgraphs, readSupergraph, subgraphUrl } from './config';
import type { GatewayContext } from './context';
import { startMembershipSource } from './memberships';
import { idempotencyPlugin, IdempotencyStore } from './pipeline/idempotency';
import { createOperationPipeline } from './pipeline/pipeline';
import { OperationRateLimits, rateLimitHeadersPlugin } from './pipeline/rate-limit';
import { rejectSubscriptionsOverHttp } from './plugins';
import { PrincipalDataSource, PrincipalSigner } from './principal-data-source';
import { createResponseCache } from './response-cache';
import { trackSupergraph } from './subscriptions/planner';
import { SocketLimiter } from './subscriptions/socket-limits';
import type { SubscriptionStats } from './subscriptions/upstream';
import { createSubscriptionServer } from './subscriptions/ws-server';

const healthUrl = (graphqlUrl: string) => new URL('/healthz', graphqlUrl).toString();

/** The gateway server, not yet listening: pure, so tests start it on port 0. */
export async function createGateway(config: Config): Promise<ServiceServer> {
  const logger = createLogger('gateway', config.LOG_LEVEL);
  const metrics = createMetrics('gateway');
  const services = new Map<string, { url: string; dataSource: PrincipalDataSource }>();
  const signer = new PrincipalSigner(config.INTERNAL_TOKEN_SECRET);
  const gateway = new ApolloGateway({
    ...(config.SUPERGRAPH === 'introspect'
      ? { supergraphSdl: new IntrospectAndCompose({ subgraphs: localSubgraphs(config) }) }
      : { supergraphSdl: readSupergraph(config) }),
    buildService: ({ name, url }) => {
      const target = subgraphUrl(config, name, url);
      if (!target) throw new Error(`No URL for subgraph ${name}`);
      const dataSource = new PrincipalDataSource(name, target, signer, config.SUBGRAPH_TIMEOUT_MS, memberships);
      services.set(name, { url: target, dataSource });
      return dataSource;
    },
    logger,
  });
  // Registered before Apollo Server loads the gateway, so the first load is seen too.
  const supergraph = trackSupergraph(gateway);

  const stats: SubscriptionStats = { upstreamSubscriptions: 0, upstreamConnections: 0, connections: 0 };
  metrics.gauge(
    'lattice_gateway_upstream_subscriptions',
    'Subscriptions the gateway holds open on subgraphs',
    () => stats.upstreamSubscriptions,
  );
  metrics.gauge(
    'lattice_gateway_upstream_connections',
    'graphql-ws sockets the gateway holds open to subgraphs',
    () => stats.upstreamConnections,
  );
  metrics.gauge('lattice_gateway_websocket_connections', 'Acknowledged graphql-ws connections of clients', () => stats.connections);
  // Refusals are counted, not logged: a client opening thousands of sockets would write thousands of lines.
  const refusedSockets = metrics.counter(
    'lattice_gateway_websocket_refused_total',
    'Client sockets closed at once (1013) for being over a cap',
    ['reason'],
  );
  const sockets = new SocketLimiter({ total: config.WS_MAX_CONNECTIONS, perIp: config.WS_MAX_CONNECTIONS_PER_IP }, (reason) =>
    refusedSockets.inc({ reason }),
  );
  metrics.gauge('lattice_gateway_websocket_sockets', 'Client sockets open, before or after connection_init', () => sockets.open);
  const pipeline = createOperationPipeline(config);

  // Shared by every replica: idempotency records (and, with them, whatever else the gateway keeps in Redis).
  const redis = createRedis(config.REDIS_URL, logger);
  const idempotency = new IdempotencyStore(redis, config.REDIS_PREFIX, config.IDEMPOTENCY_TTL * 1000);
  // Per user, per API key or per anonymous address, on this Redis: every replica counts together.
  const rateLimits = new OperationRateLimits({ redis, config, logger, metrics });
  // Memberships and roles come from accounts' projection in Redis, not from the access token.
  const memberships = await startMembershipSource({
    redis,
    prefix: config.REDIS_PREFIX,
    logger,
    signer,
    accountsUrl: () => services.get('accounts')?.url ?? subgraphUrl(config, 'accounts', undefined),
  });
  const authenticate = await createAuthenticator(config, memberships).catch(async (err: unknown) => {
    await memberships.close();
    await closeRedis(redis);
    throw err;
  });
  // Public query responses, cleared when public data changes (README, "Response cache").
  const responseCache = await createResponseCache({ config, redis, logger, metrics });

  return createServiceServer<GatewayContext>({
    name: 'gateway',
    config,
    logger,
    metrics,
    graph: { gateway },
    landingPage: true,
    // The request id travels in the context: no AsyncLocalStorage hook on every promise (server.ts).
    asyncRequestScope: false,
    context: async (req, requestId) => {
      const authenticated = await authenticate(req.headers.authorization);
      const principal = authenticated?.principal ?? null;
      const ip = req.socket.remoteAddress ?? null;
      // authenticate → rate limit → parse …: a refusal (HTTP 429) is thrown from here, before anything is parsed.
      const rateLimit = await rateLimits.admit(principal, ip);
      return { requestId, principal, credential: authenticated?.credential ?? null, ip, rateLimit };
    },
    guards: pipeline.apollo,
    plugins: [
      ...pipeline.plugins,
      rejectSubscriptionsOverHttp,
      idempotencyPlugin({ store: idempotency, logger }),
      rateLimitHeadersPlugin(rateLimits.windowSeconds),
      ...responseCache.plugins,
    ],
    websocket: createSubscriptionServer({
      supergraph: supergraph.current,
      services: () => Object.fromEntries([...services].map(([name, s]) => [name, s.dataSource])) as ServiceMap,
      serviceUrl: (name) => services.get(name)?.url,
      authenticate,
      signer,
      memberships,
      logger,
      stats,
      pipeline,
      rateLimits,
      sockets,
    }),
    readiness: {
      subgraphs: async () => {
        if (!services.size) throw new Error('supergraph not loaded');
        await Promise.all(
          [...services].map(async ([name, { url }]) => {
            // A little under the check's own limit, so the answer names the subgraph that hangs.
            const res = await fetch(healthUrl(url), { signal: AbortSignal.timeout(Math.max(10, config.READINESS_TIMEOUT_MS - 100)) }).catch(
              () => {
                throw new Error(`${name} did not answer`);
              },
            );
            if (!res.ok) throw new Error(`${name} answered ${res.status}`);
          }),
        );
      },
      redis: () => redis.ping(),
    },
    onStop: async () => {
      await supergraph.dispose();
      await Promise.all([...services.values()].map(({ dataSource }) => dataSource.close()));
      await responseCache.close();
      await memberships.close();
      await closeRedis(redis);
    },
  });
}
