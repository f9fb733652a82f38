import { randomUUID } from 'node:crypto';
import type { ServiceMap } from '@apollo/gateway';
import {
  getOperationAST,
  getVariableValues,
  GraphQLError,
  parse,
  validate,
  type DocumentNode,
  type ExecutionArgs,
  type FormattedExecutionResult,
} from 'graphql';
import { CloseCode, type ExecutionResult, type OperationResult } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type { WebSocketServer } from 'ws';
import {
  badRequest,
  formatErrorsFor,
  rateLimited,
  requestScope,
  serviceUnavailable,
  withCode,
  type WebSocketTools,
  type Logger,
  type Principal,
} from '@lattice/platform/core';
import type { Authenticate } from '../auth';
import type { PrincipalSigner } from '../principal-data-source';
import type { GatewayContext } from '../context';
import { authenticateConnection, closeAtExpiry } from './connection-auth';
import { eventQueryPlan, executeEvent, type EventExecution } from './execute-event';
import { planSubscription, type SupergraphSnapshot } from './planner';
import { SharedSubscriptions } from './shared';
import { mapEvents, UpstreamClients, UpstreamErrors, upstreamSubscription, type SubscriptionStats } from './upstream';

export interface SubscriptionServerOptions {
  supergraph: () => SupergraphSnapshot | undefined;
  /** The gateway's data source per subgraph, for the entity fetches of each event. */
  services: () => ServiceMap;
  /** The HTTP URL of a subgraph (its graphql-ws endpoint is the same URL). */
  serviceUrl: (name: string) => string | undefined;
  authenticate: Authenticate;
  /** Signs the internal principal token each upstream connection presents. */
  signer: PrincipalSigner;
  logger: Logger;
  stats: SubscriptionStats;
  /** Operations one connection may have running at once (subscriptions and in-flight queries). */
  maxOperationsPerConnection?: number;
  /** Events buffered per subscription for a slow client. */
  maxBufferedEvents?: number;
}

interface Connection {
  principal: Principal | null;
  cancelExpiry: () => void;
  /** Request id per running operation, so its error messages name the id its log lines carry. */
  requestIds: Map<string, string>;
}

/** What onSubscribe prepared; graphql-ws hands it back to `execute`/`subscribe` as contextValue. */
interface PreparedOperation {
  run(): OperationResult;
}

/** graphql-ws wraps what an iterator threw in a code-less GraphQLError; report what we threw. */
const unwrap = (e: GraphQLError): GraphQLError[] => {
  if (e.extensions.code !== undefined) return [e];
  if (e.originalError instanceof UpstreamErrors) return e.originalError.errors;
  return [e.originalError instanceof GraphQLError ? e.originalError : e];
};

const pick = (variables: Record<string, unknown>, names: readonly string[] | undefined) =>
  Object.fromEntries((names ?? []).filter((n) => variables[n] !== undefined).map((n) => [n, variables[n]]));

/**
 * graphql-ws on the gateway's HTTP server and path. Queries and mutations go through Apollo
 * (`execute`) exactly like HTTP ones; subscriptions are planned on the current supergraph, their
 * primary fetch opened on the owning subgraph, and each event completed with `rest`.
 */
export function createSubscriptionServer(options: SubscriptionServerOptions) {
  const maxOperations = options.maxOperationsPerConnection ?? 100;
  const maxBuffer = options.maxBufferedEvents ?? 256;
  const { logger, stats } = options;

  return (wss: WebSocketServer, { execute, formatError }: WebSocketTools<GatewayContext>) => {
    const connections = new Set<Connection>();
    // graphql-ws returns every operation's iterator when a socket closes; that releases upstream.
    const close = (connection: Connection) => {
      if (!connections.delete(connection)) return;
      stats.connections--;
      connection.cancelExpiry();
    };
    const upstreamClients = new UpstreamClients(
      async (principal) => (principal ? { principal: await options.signer.sign(principal) } : {}),
      stats,
    );
    const shared = new SharedSubscriptions<FormattedExecutionResult>({
      maxBuffer,
      onOverflow: () => logger.warn({ maxBuffer }, 'client too slow: dropping its oldest events'),
    });

    const subscription = (
      connection: Connection,
      snapshot: SupergraphSnapshot,
      document: DocumentNode,
      source: string,
      operationName: string | undefined,
      variables: Record<string, unknown>,
      context: GatewayContext,
    ): PreparedOperation | GraphQLError[] => {
      const plan = planSubscription(snapshot, document, source, operationName);
      const url = options.serviceUrl(plan.primary.serviceName);
      if (!url) return [serviceUnavailable(`No URL for the ${plan.primary.serviceName} service`)];
      const run: EventExecution = {
        snapshot,
        plan,
        queryPlan: eventQueryPlan(plan),
        services: options.services(),
        context,
        source,
        operationName,
        variables,
        logger,
        formatError,
      };
      const onEvent = (event: FormattedExecutionResult): Promise<FormattedExecutionResult> =>
        requestScope.run({ requestId: context.requestId }, () => executeEvent(run, event));
      const payload = {
        query: plan.primary.operation,
        operationName: plan.primary.operationName,
        // Only what the subgraph's operation declares: the rest may be meant for other subgraphs.
        variables: pick(variables, plan.primary.variableUsages),
      };
      const principalKey = JSON.stringify(connection.principal);
      const open = () => {
        const { client, release } = upstreamClients.acquire(url, principalKey, connection.principal);
        return mapEvents(upstreamSubscription(client, plan.primary.serviceName, payload, { stats, maxBuffer, logger }, release), onEvent);
      };
      return {
        // The same supergraph, principal, operation and variables: one upstream subscription, one
        // execution per event, run (and logged) under the request id of whoever opened it.
        run: () => shared.subscribe(JSON.stringify([snapshot.id, principalKey, operationName ?? null, source, variables]), open) as AsyncIterableIterator<unknown> as AsyncIterableIterator<ExecutionResult>,
      };
    };

    const server = useServer<Record<string, unknown>, { connection: Connection }>(
      {
        onConnect: async (ctx) => {
          const identity = await authenticateConnection(options.authenticate, ctx.connectionParams);
          // Refused, or the socket went away while the token was being verified.
          if (!identity || ctx.extra.socket.readyState !== ctx.extra.socket.OPEN) return false;
          const { principal } = identity;
          const connection: Connection = {
            principal,
            cancelExpiry: identity.expiresAt
              ? closeAtExpiry(identity.expiresAt, () => ctx.extra.socket.close(CloseCode.Forbidden, 'Access token expired'))
              : () => {},
            requestIds: new Map(),
          };
          ctx.extra.connection = connection;
          connections.add(connection);
          stats.connections++;
          return true;
        },

        onSubscribe: async (ctx, id, payload): Promise<ExecutionArgs | GraphQLError[]> => {
          const connection = ctx.extra.connection;
          // graphql-ws closes with 4401 before this for an unacknowledged socket; kept as a guard.
          if (!connection) return [badRequest('The connection is not initialised')];
          const requestId = randomUUID();
          connection.requestIds.set(id, requestId);
          // graphql-ws has registered this operation already, hence ">".
          if (Object.keys(ctx.subscriptions).length > maxOperations) {
            return [rateLimited(`At most ${maxOperations} operations may run at once on one connection`)];
          }
          const snapshot = options.supergraph();
          if (!snapshot) return [serviceUnavailable('The supergraph is not loaded yet')];
          let document: DocumentNode;
          try {
            document = parse(payload.query);
          } catch (err) {
            return [withCode(err as GraphQLError, 'GRAPHQL_PARSE_FAILED')];
          }
          const operationName = payload.operationName ?? undefined;
          const operation = getOperationAST(document, operationName);
          if (!operation) {
            const message = operationName ? `Unknown operation named "${operationName}".` : 'Must provide operation name if query contains multiple operations.';
            return [new GraphQLError(message, { extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } })];
          }
          const context: GatewayContext = { requestId, principal: connection.principal, ip: ctx.extra.request.socket.remoteAddress ?? null };
          const args = { schema: snapshot.apiSchema, document, operationName, variableValues: payload.variables };

          if (operation.operation !== 'subscription') {
            // Through Apollo's pipeline: the same planning, auth, plugins and error format as HTTP.
            const request = { query: payload.query, operationName, variables: payload.variables ?? undefined, extensions: payload.extensions ?? undefined };
            const prepared: PreparedOperation = {
              run: () => requestScope.run({ requestId: context.requestId }, () => execute(request, context)) as Promise<ExecutionResult>,
            };
            return { ...args, contextValue: prepared };
          }

          const invalid = validate(snapshot.apiSchema, document);
          if (invalid.length) return invalid.map((e) => withCode(e, 'GRAPHQL_VALIDATION_FAILED'));
          const coerced = getVariableValues(snapshot.apiSchema, operation.variableDefinitions ?? [], payload.variables ?? {});
          if (coerced.errors) return coerced.errors.map((e) => withCode(e, 'BAD_USER_INPUT'));
          let prepared: PreparedOperation | GraphQLError[];
          try {
            prepared = subscription(connection, snapshot, document, payload.query, operationName, payload.variables ?? {}, context);
          } catch (err) {
            // A planning failure is this operation's error (masked and logged), not the socket's.
            logger.error({ err, requestId: context.requestId }, 'could not plan a subscription');
            prepared = [err instanceof GraphQLError ? err : new GraphQLError('Could not plan the subscription', { originalError: err as Error })];
          }
          return Array.isArray(prepared) ? prepared : { ...args, contextValue: prepared };
        },

        execute: (args) => (args.contextValue as PreparedOperation).run(),
        subscribe: (args) => (args.contextValue as PreparedOperation).run(),
        onNext: (_ctx, _id, _payload, _args, result) => result as FormattedExecutionResult,
        onError: (ctx, id, _payload, errors) => {
          const requestId = ctx.extra.connection?.requestIds.get(id) ?? randomUUID();
          ctx.extra.connection?.requestIds.delete(id);
          // Sent as a graphql-ws `error` message, formatted as over HTTP (unknown ones masked).
          return formatErrorsFor(formatError, errors.flatMap(unwrap), requestId);
        },
        onComplete: (ctx, id) => {
          ctx.extra.connection?.requestIds.delete(id);
        },
        onClose: (ctx) => {
          if (ctx.extra.connection) close(ctx.extra.connection);
        },
      },
      wss,
    );

    return {
      async dispose() {
        // Release the subgraphs first: closing client sockets waits for their close handshake.
        await upstreamClients.dispose();
        for (const connection of [...connections]) close(connection);
        await server.dispose();
      },
    };
  };
}
