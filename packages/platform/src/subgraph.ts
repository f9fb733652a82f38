import type { MikroORM } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { getOperationAST, parse, type GraphQLError, type GraphQLSchema, type OperationTypeNode } from 'graphql';
import { useServer } from 'graphql-ws/use/ws';
import type { SubgraphName, Config } from './config';
import { ensureDatabase, migrate, openDatabase, type MigrationObject } from './db';
import { badRequest, formatErrorsFor, unauthenticated, withCode } from './errors';
import { createLogger, type Logger } from './logger';
import { createMetrics } from './metrics';
import { PRINCIPAL_HEADER, verifyPrincipal, type Principal } from './principal';
import { closeRedis, createRedis, PubSub, type Redis } from './redis';
import { systemClock, type Clock } from './clock';
import { createScope, type RequestInfo, type Scope, type ScopeRuntime } from './scope';
import { eventEntities } from './events/outbox.entity';

import { createServiceServer, type ServiceServer } from './server';

/** What every subgraph resolver receives. */
export interface SubgraphContext<TLoaders = unknown, TDeps = unknown> {
  requestId: string;
  principal: Principal | null;
  /** What services take: principal, an EntityManager forked per request, logger, clock; `mutate` for writes. */
  scope: Scope;
  loaders: TLoaders;
  deps: TDeps;
  /** For subscriptions, which listen to live events. */
  pubsub: PubSub;
}

export interface SubgraphRuntime {
  config: Config;
  orm: MikroORM;
  redis: Redis;
  pubsub: PubSub;
  logger: Logger;
  clock: Clock;
  /** A service scope on a fresh EntityManager: what resolvers get per request, and jobs and consumers build. */
  scope(principal: Principal | null, request?: RequestInfo): Scope;
}

export interface SubgraphDefinition<TLoaders, TDeps> {
  name: SubgraphName;
  /** PostgreSQL schema owned by this subgraph. */
  dbSchema: string;
  entities: Function[];
  migrations: MigrationObject[];
  buildSchema(): Promise<GraphQLSchema>;
  /** Long-lived dependencies, made once at start (key material, provider clients...). */
  deps?(runtime: SubgraphRuntime): Promise<TDeps>;
  /** Fresh DataLoaders for one request, tenant-filtered by the scope's principal. */
  loaders(scope: Scope, deps: TDeps): TLoaders;
}

export type SubgraphServer = ServiceServer & { runtime: SubgraphRuntime };

async function principalFrom(token: unknown, secret: string): Promise<Principal | null> {
  if (token === undefined || token === null || token === '') return null;
  const principal = typeof token === 'string' ? await verifyPrincipal(token, secret) : null;
  // A principal token that fails verification is an attack or a misconfiguration, never anonymous.
  if (!principal) throw unauthenticated('Invalid internal principal token', 401);
  return principal;
}

const header = (headers: IncomingHttpHeaders, name: string) => {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/** The client's address as the gateway forwards it (subgraphs are only reached through it). */
const clientIp = (req: { headers: IncomingHttpHeaders; socket: { remoteAddress?: string } }): string | null =>
  header(req.headers, 'x-forwarded-for')?.split(',')[0]?.trim() || req.socket.remoteAddress || null;

/** The subgraph's database, created if missing and migrated to the latest version. */
async function openMigratedDatabase(definition: SubgraphDefinition<unknown, unknown>, config: Config, logger: Logger): Promise<MikroORM> {
  await ensureDatabase(config.DATABASE_URL);
  const orm = await openDatabase(
    config,
    { schema: definition.dbSchema, entities: [...definition.entities, ...eventEntities], migrations: definition.migrations },
    logger,
  );
  await migrate(orm, definition.dbSchema);
  return orm;
}

/** `npm run migrate`: apply a subgraph's pending migrations and close. */
export async function migrateSubgraph(definition: SubgraphDefinition<unknown, unknown>, config: Config): Promise<void> {
  const orm = await openMigratedDatabase(definition, config, createLogger(definition.name, config.LOG_LEVEL));
  await orm.close();
}

/**
 * One subgraph process: database (created and migrated), Redis, pub/sub, Apollo on HTTP and
 * graphql-ws on the same port, with a context that trusts only the gateway's principal token.
 */
export async function createSubgraphServer<TLoaders, TDeps = undefined>(
  definition: SubgraphDefinition<TLoaders, TDeps>,
  config: Config,
  options: { clock?: Clock } = {},
): Promise<SubgraphServer> {
  const logger = createLogger(definition.name, config.LOG_LEVEL);
  const orm = await openMigratedDatabase(definition, config, logger);
  const redis = createRedis(config.REDIS_URL, logger);
  const pubsub = new PubSub(redis, config.REDIS_PREFIX, logger);
  await Promise.all([redis.ping(), pubsub.ready()]);
  const clock = options.clock ?? systemClock;
  const scopeRuntime: ScopeRuntime = { source: definition.name, pubsub, outboxWritten: () => undefined };
  const scope = (principal: Principal | null, request: RequestInfo = { id: randomUUID(), ip: null }) =>
    createScope({ principal, em: orm.em.fork(), log: logger, clock, request, runtime: scopeRuntime });
  const runtime: SubgraphRuntime = { config, orm, redis, pubsub, logger, clock, scope };
  const deps = (definition.deps ? await definition.deps(runtime) : undefined) as TDeps;
  const schema = await definition.buildSchema();
  const metrics = createMetrics(definition.name);


  const contextFor = (principal: Principal | null, request: RequestInfo): SubgraphContext<TLoaders, TDeps> => {
    const requestScope = scope(principal, request);
    return { requestId: request.id, principal, scope: requestScope, loaders: definition.loaders(requestScope, deps), deps, pubsub };
  };

  const server = createServiceServer<SubgraphContext<TLoaders, TDeps>>({
    name: definition.name,
    config,
    logger,
    metrics,
    graph: { schema },
    context: async (req, requestId) =>
      contextFor(await principalFrom(header(req.headers, PRINCIPAL_HEADER), config.INTERNAL_TOKEN_SECRET), { id: requestId, ip: clientIp(req) }),
    websocket: (wss, { formatError }) =>
      useServer<{ principal?: unknown }, { principal?: Principal | null }>(
        {
          schema,
          onConnect: async (ctx) => {
            try {
              ctx.extra.principal = await principalFrom(ctx.connectionParams?.principal, config.INTERNAL_TOKEN_SECRET);
              return true;
            } catch {
              return false;
            }
          },
          // The socket is for the gateway's subscriptions; queries and mutations go through
          // Apollo over HTTP (its plugins, metrics and error handling).
          onSubscribe: (_ctx, _id, payload) => {
            let operation: OperationTypeNode | undefined;
            try {
              operation = getOperationAST(parse(payload.query), payload.operationName)?.operation;
            } catch (err) {
              // An error for this operation: left to graphql-ws, it would close the whole socket.
              return [withCode(err as GraphQLError, 'GRAPHQL_PARSE_FAILED')];
            }
            if (operation && operation !== 'subscription') return [badRequest('Only subscriptions are served over the WebSocket; send queries and mutations over HTTP')];
          },
          context: (ctx) => contextFor(ctx.extra.principal ?? null, { id: randomUUID(), ip: null }),
          // Masked and logged like HTTP errors, under the subscription's request id.
          onNext: (_ctx, _id, _payload, args, result) =>
            result.errors ? { ...result, errors: formatErrorsFor(formatError, result.errors, (args.contextValue as SubgraphContext).requestId) } : result,
          onError: (_ctx, _id, _payload, errors) => formatErrorsFor(formatError, errors, randomUUID()),
        },
        wss,
      ),
    readiness: {
      postgres: () => orm.em.getConnection().execute('select 1'),
      redis: () => redis.ping(),
    },
    onStop: async () => {
      await pubsub.close();
      await closeRedis(redis);
      await orm.close();
    },
  });
  return Object.assign(server, { runtime });
}
