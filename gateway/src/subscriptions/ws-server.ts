import { randomUUID } from 'node:crypto';
import type { ServiceMap } from '@apollo/gateway';
import { getOperationAST, GraphQLError, type DocumentNode, type ExecutionArgs, type FormattedExecutionResult } from 'graphql';
import { CloseCode, type ExecutionResult, type OperationResult } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import type { WebSocketServer } from 'ws';
import {
  badRequest,
  forbidden,
  formatErrorsFor,
  rateLimited,
  serviceUnavailable,
  type WebSocketTools,
  type Logger,
  type MembershipSource,
  type OperationOutcome,
  type Principal,
} from '@lattice/platform/core';
import type { Authenticate } from '../auth';
import type { PrincipalSigner } from '../principal-data-source';
import type { GatewayContext } from '../context';
import type { OperationPipeline } from '../pipeline/pipeline';
import type { OperationRateLimits } from '../pipeline/rate-limit';
import { authenticateConnection, closeAtExpiry } from './connection-auth';
import { eventQueryPlan, executeEvent, type EventExecution } from './execute-event';
import { planSubscription, type SupergraphSnapshot } from './planner';
import { SharedSubscriptions } from './shared';
import type { SocketLimiter } from './socket-limits';
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
  /** Builds each operation's (and each event's) principal from the connection's credential. */
  memberships: Pick<MembershipSource, 'principalFor'>;
  logger: Logger;
  stats: SubscriptionStats;
  /** The parse, validation and checks every operation passes (pipeline/), as over HTTP. */
  pipeline: Pick<OperationPipeline, 'parse' | 'validate' | 'variableErrors' | 'check'>;
  /** Counts every operation against its caller, as over HTTP (pipeline/rate-limit.ts). */
  rateLimits?: Pick<OperationRateLimits, 'admit'>;
  /** Caps the sockets, counted from the moment they open. */
  sockets?: SocketLimiter;
  /** Operations one connection may have running at once (subscriptions and in-flight queries). */
  maxOperationsPerConnection?: number;
  /** Events buffered per subscription for a slow client. */
  maxBufferedEvents?: number;
}

interface Connection {
  principal: Principal | null;
  /** The access token's own claims; each operation's principal is built from it (membership projection). */
  credential: Principal | null;
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

  return (wss: WebSocketServer, { execute, formatError, recordOperation }: WebSocketTools<GatewayContext>) => {
    // First listener of the server: a socket over the cap is closed before graphql-ws handles it.
    const detachSockets = options.sockets?.attach(wss);
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
      const { credential } = context;
      const openedIn = context.principal?.org ?? null;
      const onEvent = async (event: FormattedExecutionResult): Promise<FormattedExecutionResult> => {
        // Each event goes out as the user is now (membership projection, at most a second old):
        // its entity fetches carry the current principal, and a subscription opened in an
        // organization the user no longer belongs to ends here, whether or not the subgraph
        // heard of the change (it ends its own subscription when it does).
        if (credential) {
          const now = await options.memberships.principalFor(credential);
          if (openedIn && now.org !== openedIn) throw forbidden('Not a member of the organization this subscription is in any more');
          context.principal = now;
        }
        return executeEvent(run, event);
      };
      const payload = {
        query: plan.primary.operation,
        operationName: plan.primary.operationName,
        // Only what the subgraph's operation declares: the rest may be meant for other subgraphs.
        variables: pick(variables, plan.primary.variableUsages),
      };
      const principal = context.principal;
      const principalKey = JSON.stringify(principal);
      const open = () => {
        const { client, release } = upstreamClients.acquire(url, principalKey, principal);
        return mapEvents(upstreamSubscription(client, plan.primary.serviceName, payload, { stats, maxBuffer, logger }, release), onEvent);
      };
      return {
        // The same supergraph, principal, operation and variables: one upstream subscription, one
        // execution per event, run (and logged) under the request id of whoever opened it.
        run: () =>
          shared.subscribe(
            JSON.stringify([snapshot.id, principalKey, operationName ?? null, source, variables]),
            open,
          ) as AsyncIterableIterator<unknown> as AsyncIterableIterator<ExecutionResult>,
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
            credential: identity.credential ?? null,
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
          const started = process.hrtime.bigint();
          const requestId = randomUUID();
          connection.requestIds.set(id, requestId);
          const operationName = payload.operationName ?? undefined;
          let type = 'unknown';
          // Queries and mutations are logged and counted by Apollo; here, what never reaches it.
          const record = (outcome: OperationOutcome, errors: readonly GraphQLError[] = []) =>
            recordOperation({
              requestId,
              name: operationName ?? 'anonymous',
              type,
              seconds: Number(process.hrtime.bigint() - started) / 1e9,
              outcome,
              errors,
            });
          const refuse = (errors: GraphQLError[]) => {
            record('refused', errors);
            return errors;
          };

          // graphql-ws has registered this operation already, hence ">".
          if (Object.keys(ctx.subscriptions).length > maxOperations) {
            return refuse([rateLimited(`At most ${maxOperations} operations may run at once on one connection`)]);
          }
          try {
            // authenticate → rate limit → parse …, as over HTTP: one count per operation, before it is parsed.
            await options.rateLimits?.admit(connection.credential ?? connection.principal, ctx.extra.request.socket.remoteAddress ?? null);
          } catch (err) {
            if (err instanceof GraphQLError) return refuse([err]);
            throw err;
          }
          const snapshot = options.supergraph();
          if (!snapshot) return refuse([serviceUnavailable('The supergraph is not loaded yet')]);
          let document: DocumentNode;
          try {
            document = options.pipeline.parse(payload.query);
          } catch (err) {
            return refuse([err as GraphQLError]);
          }
          const operation = getOperationAST(document, operationName);
          if (!operation) {
            const message = operationName
              ? `Unknown operation named "${operationName}".`
              : 'Must provide operation name if query contains multiple operations.';
            return refuse([new GraphQLError(message, { extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } })]);
          }
          let principal: Principal | null;
          try {
            // Memberships and role as they are now, not as they were when the socket opened.
            principal = connection.credential ? await options.memberships.principalFor(connection.credential) : connection.principal;
          } catch (err) {
            if (err instanceof GraphQLError) return refuse([err]);
            throw err;
          }
          const context: GatewayContext = {
            requestId,
            principal,
            credential: connection.credential,
            ip: ctx.extra.request.socket.remoteAddress ?? null,
          };
          const args = { schema: snapshot.apiSchema, document, operationName, variableValues: payload.variables };

          if (operation.operation !== 'subscription') {
            // Through Apollo's pipeline: the same guards, planning, auth, plugins and error format as HTTP.
            const request = {
              query: payload.query,
              operationName,
              variables: payload.variables ?? undefined,
              extensions: payload.extensions ?? undefined,
            };
            const prepared: PreparedOperation = {
              run: () => execute(request, context) as Promise<ExecutionResult>,
            };
            return { ...args, contextValue: prepared };
          }

          type = operation.operation;
          const invalid = options.pipeline.validate(snapshot.apiSchema, document);
          if (invalid.length) return refuse(invalid);
          const badVariables = options.pipeline.variableErrors(snapshot.apiSchema, operation, payload.variables ?? {});
          if (badVariables.length) return refuse(badVariables);
          try {
            await options.pipeline.check({ schema: snapshot.apiSchema, document, operation, variables: payload.variables ?? {}, context });
          } catch (err) {
            if (err instanceof GraphQLError) return refuse([err]);
            throw err;
          }
          let prepared: PreparedOperation | GraphQLError[];
          try {
            prepared = subscription(snapshot, document, payload.query, operationName, payload.variables ?? {}, context);
          } catch (err) {
            // A planning failure is this operation's error (masked and logged), not the socket's.
            logger.error({ err, requestId: context.requestId }, 'could not plan a subscription');
            prepared = [
              err instanceof GraphQLError ? err : new GraphQLError('Could not plan the subscription', { originalError: err as Error }),
            ];
          }
          record(Array.isArray(prepared) ? 'error' : 'ok', Array.isArray(prepared) ? prepared : []);
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
        detachSockets?.();
        await server.dispose();
      },
    };
  };
}
