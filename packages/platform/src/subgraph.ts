import type { EntityClass } from '@mikro-orm/core';
import type { MikroORM } from '@mikro-orm/postgresql';
import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import type express from 'express';
import { getOperationAST, parse, specifiedRules, validate, GraphQLError, type GraphQLSchema, type OperationTypeNode } from 'graphql';
import { Gauge } from 'prom-client';
import { useServer } from 'graphql-ws/use/ws';
import { schemaVisible, type SubgraphName, type Config } from './config';
import { ensureDatabase, migrate, openDatabase, type MigrationObject } from './db';
import { badRequest, formatErrorsFor, unauthenticated, withCode } from './errors';
import { createLogger, type Logger } from './logger';
import { createMetrics, type Metrics } from './metrics';
import { PRINCIPAL_HEADER, PrincipalVerifier, servicePrincipal, type Principal } from './principal';
import { DEADLINE_HEADER, deadlineFrom } from './request-scope';
import { closeRedis, createRedis, PubSub, type Redis } from './redis';
import { systemClock, type Clock } from './clock';
import { createScope, type RequestInfo, type Scope, type ScopeRuntime } from './scope';
import { eventEntities } from './events/outbox.entity';
import { streamKey } from './events/event';
import { OutboxRelay } from './events/relay';
import { StreamConsumer, type StreamConsumerOptions } from './events/consumer';
import { trimAcknowledged } from './events/trim';
import { createJobs, type Jobs } from './jobs';
import { Disposables } from './disposables';
import { MembershipSource } from './memberships';
import { SubscriptionGuard } from './subscription-guard';

import { shapeLimitsRule, subgraphShapeLimits } from './operation-limits';
import { guardServiceSdl } from './schema-visibility';
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
  /** The membership projection (read-only here; accounts writes it), with its change notifications. */
  memberships: MembershipSource;
  logger: Logger;
  clock: Clock;
  /** A scope on a fresh EntityManager: what resolvers get per request. */
  scope(principal: Principal | null, request?: RequestInfo): Scope;
  /** A scope with this subgraph's service principal: what jobs and stream consumers work in. */
  serviceScope(): Scope;
  /** Sends this subgraph's outbox to Redis Streams; woken after every commit that wrote events. */
  relay: OutboxRelay;
  /** This subgraph's BullMQ queue: `jobs.process(handlers)`, `jobs.add`, `jobs.repeat`. */
  jobs: Jobs;
  /** Start consuming a topic in a consumer group; it stops with the server. */
  consume(options: ConsumeOptions): Promise<StreamConsumer>;
  /** Closed in reverse order of adding when the server stops: add what `deps` or `workers` open. */
  disposables: Disposables;
  /** Trim the streams this subgraph writes and reads, delete old sent outbox rows (the maintenance job). */
  maintain(): Promise<MaintenanceReport>;
}

/** A stream consumer as `workers` asks for one; the runtime supplies ORM, Redis, prefix and logger. */
export type ConsumeOptions = Omit<StreamConsumerOptions, 'orm' | 'scope' | 'redis' | 'prefix' | 'logger'>;

export interface MaintenanceReport {
  topics: string[];
  /** Stream entries removed (acknowledged by every group). */
  trimmed: number;
  /** Sent outbox rows deleted (older than the retention). */
  purged: number;
}

/** The repeatable job that runs `runtime.maintain()`, on one replica per tick. */
export const MAINTENANCE_JOB = 'platform.maintenance';
export const MAINTENANCE_EVERY_MS = 60_000;

export interface SubgraphDefinition<TLoaders, TDeps> {
  name: SubgraphName;
  /** PostgreSQL schema owned by this subgraph. */
  dbSchema: string;
  entities: EntityClass<object>[];
  migrations: MigrationObject[];
  buildSchema(): Promise<GraphQLSchema>;
  /** Long-lived dependencies, made once at start (key material, provider clients...). */
  deps?(runtime: SubgraphRuntime): Promise<TDeps>;
  /** Fresh DataLoaders for one request, tenant-filtered by the scope's principal. */
  loaders(scope: Scope, deps: TDeps): TLoaders;
  /** Extra HTTP routes (webhooks, `/internal/`), before /graphql and given the raw, unparsed body. */
  routes?(app: express.Router, runtime: SubgraphRuntime, deps: TDeps): void;
  /** Background work, started once the server is built: `runtime.consume(...)`, `runtime.jobs.process(...)`. */
  workers?(runtime: SubgraphRuntime, deps: TDeps): Promise<void> | void;
}

export type SubgraphServer = ServiceServer & { runtime: SubgraphRuntime };

async function principalFrom(token: unknown, principals: PrincipalVerifier): Promise<Principal | null> {
  if (token === undefined || token === null || token === '') return null;
  const principal = typeof token === 'string' ? await principals.verify(token) : null;
  // A principal token that fails verification is an attack or a misconfiguration, never anonymous.
  if (!principal) throw unauthenticated('Invalid internal principal token', 401);
  return principal;
}

const header = (headers: IncomingHttpHeaders, name: string) => {
  const v = headers[name];
  return Array.isArray(v) ? v[0] : v;
};

const thrown = (e: GraphQLError): GraphQLError =>
  e.extensions.code === undefined && e.originalError instanceof GraphQLError ? e.originalError : e;

/** The client's address as the gateway forwards it (subgraphs are only reached through it). */
const clientIp = (req: { headers: IncomingHttpHeaders; socket: { remoteAddress?: string } }): string | null =>
  header(req.headers, 'x-forwarded-for')?.split(',')[0]?.trim() || req.socket.remoteAddress || null;

/** The subgraph's database, created if missing and migrated to the latest version. */
async function openMigratedDatabase(definition: SubgraphDefinition<unknown, unknown>, config: Config, logger: Logger): Promise<MikroORM> {
  await migrateDatabase(definition, config, logger);
  return openDatabase(config, databaseOptions(definition), logger);
}

const databaseOptions = (definition: SubgraphDefinition<unknown, unknown>) => ({
  schema: definition.dbSchema,
  entities: [...definition.entities, ...eventEntities],
  migrations: definition.migrations,
});

/** Create the database if missing and migrate, on a pool of its own without statement timeouts (see OpenDatabaseOptions). */
async function migrateDatabase(definition: SubgraphDefinition<unknown, unknown>, config: Config, logger: Logger): Promise<void> {
  await ensureDatabase(config.DATABASE_URL);
  const orm = await openDatabase(config, databaseOptions(definition), logger, { unbounded: true });
  try {
    await migrate(orm, definition.dbSchema);
  } finally {
    await orm.close();
  }
}

/** `npm run migrate`: apply a subgraph's pending migrations and close. */
export async function migrateSubgraph(definition: SubgraphDefinition<unknown, unknown>, config: Config): Promise<void> {
  await migrateDatabase(definition, config, createLogger(definition.name, config.LOG_LEVEL));
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
  // Everything opened is closed at stop, newest first; a start that fails half-way closes what it opened.
  const disposables = new Disposables(logger);
  try {
    return await assembleSubgraphServer(definition, config, options, logger, disposables);
  } catch (err) {
    await disposables.dispose();
    throw err;
  }
}

async function assembleSubgraphServer<TLoaders, TDeps>(
  definition: SubgraphDefinition<TLoaders, TDeps>,
  config: Config,
  options: { clock?: Clock },
  logger: Logger,
  disposables: Disposables,
): Promise<SubgraphServer> {
  const orm = await openMigratedDatabase(definition, config, logger);
  disposables.add('database', () => orm.close());
  const redis = createRedis(config.REDIS_URL, logger);
  disposables.add('redis', () => closeRedis(redis));
  const pubsub = new PubSub(redis, config.REDIS_PREFIX, logger);
  disposables.add('pubsub', () => pubsub.close());
  await Promise.all([redis.ping(), pubsub.ready()]);
  const memberships = await MembershipSource.start({ redis, prefix: config.REDIS_PREFIX, logger });
  disposables.add('membership notifications', () => memberships.close());
  // Open subscriptions are authorized again whenever their user's memberships change.
  const subscriptionGuard = new SubscriptionGuard(memberships, logger);
  disposables.add('subscription guard', () => subscriptionGuard.close());
  const clock = options.clock ?? systemClock;
  const serviceScope = () => scope(servicePrincipal(definition.name));
  const background = startBackground(definition.name, config, orm, redis, logger, disposables, serviceScope);
  const scopeRuntime: ScopeRuntime = {
    source: definition.name,
    pubsub,
    outboxWritten: () => background.relay.wake(),
    statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
  };
  const scope = (principal: Principal | null, request: RequestInfo = { id: randomUUID(), ip: null }) =>
    createScope({ principal, em: orm.em.fork(), log: logger, clock, request, runtime: scopeRuntime });
  const runtime: SubgraphRuntime = {
    config,
    orm,
    redis,
    pubsub,
    memberships,
    logger,
    clock,
    scope,
    serviceScope,
    ...background,
    disposables,
  };
  const deps = (definition.deps ? await definition.deps(runtime) : undefined) as TDeps;
  const schema = guardServiceSdl(await definition.buildSchema(), config);
  // Defense in depth: a subgraph's port is reachable without the gateway and its guards.
  const shapeLimits = shapeLimitsRule(subgraphShapeLimits(config));
  const metrics = createMetrics(definition.name);
  outboxGauges(metrics, background.relay);
  const principals = new PrincipalVerifier(config.INTERNAL_TOKEN_SECRET);

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
    guards: { validationRules: [shapeLimits] },
    context: async (req, requestId) =>
      contextFor(await principalFrom(header(req.headers, PRINCIPAL_HEADER), principals), {
        id: requestId,
        ip: clientIp(req),
        deadline: deadlineFrom(req.headers[DEADLINE_HEADER]),
      }),
    websocket: (wss, { formatError }) =>
      useServer<{ principal?: unknown }, { principal?: Principal | null }>(
        {
          schema,
          validate: (schema, document) =>
            validate(schema, document, [...specifiedRules, shapeLimits], { hideSuggestions: !schemaVisible(config) }),
          onConnect: async (ctx) => {
            try {
              ctx.extra.principal = await principalFrom(ctx.connectionParams?.principal, principals);
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
            if (operation && operation !== 'subscription')
              return [badRequest('Only subscriptions are served over the WebSocket; send queries and mutations over HTTP')];
          },
          context: (ctx) => contextFor(ctx.extra.principal ?? null, { id: randomUUID(), ip: null }),
          // Ended (FORBIDDEN) once the user's memberships no longer allow what its resolver requires.
          subscribe: (args) => {
            const { principal, requestId } = args.contextValue as SubgraphContext<TLoaders, TDeps>;
            return subscriptionGuard.subscribe(args, principal, (now) => contextFor(now, { id: requestId, ip: null }));
          },
          // Masked and logged like HTTP errors, under the subscription's request id.
          onNext: (_ctx, _id, _payload, args, result) =>
            result.errors
              ? { ...result, errors: formatErrorsFor(formatError, result.errors, (args.contextValue as SubgraphContext).requestId) }
              : result,
          // graphql-ws wraps what a subscription's iterator threw (e.g. SERVICE_UNAVAILABLE when live
          // events may have been missed) in a code-less GraphQLError: report the error thrown.
          onError: (_ctx, _id, _payload, errors) => formatErrorsFor(formatError, errors.map(thrown), randomUUID()),
        },
        wss,
      ),
    readiness: {
      postgres: () => orm.em.getConnection().execute('select 1'),
      redis: () => redis.ping(),
    },
    routes: definition.routes && ((app) => definition.routes!(app, runtime, deps)),
    onStop: () => disposables.dispose(),
  });
  await definition.workers?.(runtime, deps);
  // Registered after the subgraph's own handlers: a worker of the queue runs whichever job comes.
  runtime.jobs.process({ [MAINTENANCE_JOB]: () => runtime.maintain() });
  await runtime.jobs.repeat(MAINTENANCE_JOB, MAINTENANCE_EVERY_MS);
  return Object.assign(server, { runtime });
}

/** The outbox relay, the job queue and stream consumers of one subgraph, each closed with it. */
function startBackground(
  name: SubgraphName,
  config: Config,
  orm: MikroORM,
  redis: Redis,
  logger: Logger,
  disposables: Disposables,
  scope: () => Scope,
) {
  const prefix = config.REDIS_PREFIX;
  const relay = new OutboxRelay({ orm, redis, prefix, source: name, logger });
  relay.start();
  disposables.add('outbox relay', () => relay.stop());
  const jobs = createJobs({ redisUrl: config.REDIS_URL, prefix, queue: name, logger });
  disposables.add('jobs', () => jobs.close());
  const consumed = new Set<string>();
  const consume = async (options: ConsumeOptions) => {
    const consumer = new StreamConsumer({ claimIdleMs: config.STREAM_CLAIM_IDLE_MS, ...options, orm, scope, redis, prefix, logger });
    disposables.add(`stream consumer ${options.group} (${options.topic})`, () => consumer.stop());
    consumed.add(options.topic);
    await consumer.start();
    return consumer;
  };
  const maintain = async (): Promise<MaintenanceReport> => {
    const topics = [...new Set([...consumed, ...(await relay.topics())])].sort();
    let trimmed = 0;
    for (const topic of topics) trimmed += await trimAcknowledged(redis, streamKey(prefix, topic));
    const purged = await relay.purgeSent();
    return { topics, trimmed, purged };
  };
  return { relay, jobs, consume, maintain };
}

/** The relay's lag on /metrics, read at scrape time (one query for both gauges). */
function outboxGauges(metrics: Metrics, relay: OutboxRelay) {
  let reading: Promise<{ unsent: number; oldestSeconds: number }> | undefined;
  const read = () => {
    reading ??= relay.backlog().finally(() => setTimeout(() => (reading = undefined), 100).unref());
    return reading;
  };
  const gauge = (name: string, help: string, pick: (b: { unsent: number; oldestSeconds: number }) => number) =>
    new Gauge({
      name,
      help,
      registers: [metrics.registry],
      async collect() {
        // A database that does not answer must not break /metrics: the gauge keeps its last value.
        const backlog = await read().catch(() => undefined);
        if (backlog) this.set(pick(backlog));
      },
    });
  gauge('lattice_outbox_unsent', 'Outbox rows not yet appended to a stream (relay lag)', (b) => b.unsent);
  gauge('lattice_outbox_oldest_unsent_seconds', 'Age of the oldest unsent outbox row', (b) => b.oldestSeconds);
}
