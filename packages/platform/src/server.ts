import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, type ApolloServerOptions, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import { expressMiddleware } from '@as-integrations/express5';
import cors from 'cors';
import express from 'express';
import type { FormattedExecutionResult, GraphQLSchema, ParseOptions, ValidationRule } from 'graphql';
import { WebSocketServer } from 'ws';
import { schemaVisible, type Config } from './config';
import { withDeadline } from './deadline';
import { createErrorFormatter, type ErrorFormatter } from './errors';
import type { Logger } from './logger';
import { type Metrics, operationMetricsPlugin, operationRecorder, type RecordOperation } from './metrics';
import { requestIdFrom, requestScope } from './request-scope';
import { suggestionsStripper } from './schema-visibility';

export const GRAPHQL_PATH = '/graphql';
/** The largest request body, over HTTP and per WebSocket message (ws would take 100 MiB, even before auth). */
export const MAX_REQUEST_BYTES = 1024 * 1024;

/** One GraphQL request through Apollo's whole pipeline (plugins, formatError), exactly as over HTTP. */
export type ExecuteOperation<TContext> = (
  request: { query: string; variables?: Record<string, unknown>; operationName?: string; extensions?: Record<string, unknown> },
  context: TContext,
) => Promise<FormattedExecutionResult>;

export interface WebSocketTools<TContext> {
  execute: ExecuteOperation<TContext>;
  formatError: ErrorFormatter;
  /** The log line and metric of an operation that never reaches Apollo (e.g. a subscription). */
  recordOperation: RecordOperation;
}

/** Checks every operation Apollo runs passes before it is planned or executed (HTTP and `execute`). */
export interface OperationGuards {
  /** e.g. `maxTokens`: parsing stops past the limit. */
  parseOptions?: ParseOptions;
  /** Added to graphql-js' specified rules, in the same pass. */
  validationRules?: ValidationRule[];
}

export interface ServiceServerOptions<TContext extends BaseContext> {
  name: string;
  config: Config;
  logger: Logger;
  metrics: Metrics;
  graph: { schema: GraphQLSchema } | { gateway: Extract<ApolloServerOptions<TContext>, { gateway: unknown }>['gateway'] };
  /** Per HTTP request; may throw a GraphQLError with `extensions.http.status`. */
  context: (req: express.Request, requestId: string) => Promise<TContext>;
  /**
   * graphql-ws (or any WebSocket protocol) on the same port and path; returns its disposer.
   * `execute` runs queries and mutations arriving over the socket through Apollo, like HTTP ones;
   * `formatError` is Apollo's, for errors the socket sends itself.
   */
  websocket?: (wss: WebSocketServer, apollo: WebSocketTools<TContext>) => { dispose(): unknown };
  /** Named checks behind /readyz; each resolves when its dependency answers. */
  readiness: Record<string, () => Promise<unknown>>;
  plugins?: ApolloServerPlugin<TContext>[];
  guards?: OperationGuards;
  landingPage?: boolean;
  /**
   * Extra HTTP routes (webhooks, `/internal/` endpoints), mounted before /graphql and behind no
   * body parser: a route reads the raw body itself (a webhook signature is over the raw bytes).
   */
  routes?: (app: express.Router) => void;
  onStop?: () => Promise<void>;
}

export interface ServiceServer {
  readonly httpServer: Server;
  start(port: number, host?: string): Promise<{ port: number; url: string }>;
  stop(): Promise<void>;
}

/**
 * Apollo Server 5 on our own HTTP server (express 5), so graphql-ws can share port and path,
 * with /healthz, /readyz and /metrics beside /graphql and a drain on stop.
 */
export function createServiceServer<TContext extends BaseContext>(options: ServiceServerOptions<TContext>): ServiceServer {
  const { config, logger, metrics } = options;
  const app = express();
  const httpServer = createHttpServer(httpTimeouts(config.HTTP_REQUEST_TIMEOUT_MS), app);
  const wss = options.websocket
    ? new WebSocketServer({ server: httpServer, path: GRAPHQL_PATH, maxPayload: MAX_REQUEST_BYTES })
    : undefined;
  let wsCleanup: { dispose(): unknown } | undefined;
  const production = config.NODE_ENV === 'production';
  const formatError = createErrorFormatter(logger);
  const recordOperation = operationRecorder(metrics, logger);
  // In production the schema is not told to clients unless GRAPHQL_INTROSPECTION=true.
  const visible = schemaVisible(config);

  const apollo = new ApolloServer<TContext>({
    ...(options.graph as { schema: GraphQLSchema }),
    introspection: visible,
    // "Did you mean …" in validation errors would spell out field names introspection hides.
    validationOptions: { hideSuggestions: !visible },
    parseOptions: options.guards?.parseOptions,
    validationRules: options.guards?.validationRules,
    includeStacktraceInErrorResponses: false,
    // runService owns SIGTERM/SIGINT; Apollo's own handler would race it and stall the drain.
    stopOnTerminationSignals: false,
    formatError,
    plugins: [
      ApolloServerPluginDrainHttpServer({ httpServer }),
      {
        async serverWillStart() {
          return {
            async drainServer() {
              await wsCleanup?.dispose();
            },
          };
        },
      },
      options.landingPage && !production
        ? ApolloServerPluginLandingPageLocalDefault({ embed: true })
        : ApolloServerPluginLandingPageDisabled(),
      // No Apollo Studio here: federated traces would only cost time on every subgraph call.
      ApolloServerPluginInlineTraceDisabled(),
      operationMetricsPlugin<TContext>(recordOperation),
      ...(visible ? [] : [suggestionsStripper]),
      ...(options.plugins ?? []),
    ],
  });
  const executeOperation: ExecuteOperation<TContext> = async (request, contextValue) => {
    const { body } = await apollo.executeOperation(request, { contextValue });
    if (body.kind !== 'single') throw new Error('Incremental delivery is not supported over WebSocket');
    return body.singleResult;
  };
  if (wss && options.websocket) wsCleanup = options.websocket(wss, { execute: executeOperation, formatError, recordOperation });

  app.disable('x-powered-by');
  app.use((req, res, next) => {
    const requestId = requestIdFrom(req.headers['x-request-id']);
    res.setHeader('x-request-id', requestId);
    res.locals.requestId = requestId;
    requestScope.run({ requestId }, next);
  });
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok', service: options.name });
  });
  app.get('/readyz', async (_req, res) => {
    // A dependency that hangs is not ready: every check answers within READINESS_TIMEOUT_MS.
    const checks = await Promise.all(
      Object.entries(options.readiness).map(async ([name, check]) => {
        try {
          await withDeadline(check(), config.READINESS_TIMEOUT_MS, 'the check');
          return [name, 'ok'] as const;
        } catch (err) {
          return [name, `failing: ${(err as Error).message}`] as const;
        }
      }),
    );
    const ready = checks.every(([, state]) => state === 'ok');
    res
      .status(ready ? 200 : 503)
      .json({ status: ready ? 'ready' : 'not ready', service: options.name, checks: Object.fromEntries(checks) });
  });
  app.get('/metrics', async (_req, res) => {
    res.setHeader('content-type', metrics.registry.contentType);
    res.send(await metrics.registry.metrics());
  });
  options.routes?.(app);

  let started = false;
  return {
    httpServer,
    async start(port, host = config.HOST) {
      await apollo.start();
      started = true;
      app.use(
        GRAPHQL_PATH,
        cors({ origin: config.CORS_ORIGINS, credentials: true }),
        express.json({ limit: MAX_REQUEST_BYTES }),
        expressMiddleware(apollo, { context: async ({ req, res }) => options.context(req, res.locals.requestId as string) }),
      );
      // Last: whatever a route or the body parser failed with is a JSON GraphQL error, never Express's HTML page.
      app.use(jsonErrors(logger));
      await new Promise<void>((resolve, reject) => {
        httpServer.once('error', reject);
        httpServer.listen(port, host, () => resolve());
      });
      const actual = (httpServer.address() as AddressInfo).port;
      logger.info({ port: actual }, `${options.name} listening`);
      return { port: actual, url: `http://127.0.0.1:${actual}${GRAPHQL_PATH}` };
    },
    async stop() {
      if (started) await apollo.stop();
      else httpServer.close();
      wss?.close();
      await options.onStop?.();
    },
  };
}

/**
 * Node's defaults keep a slow sender's connection for 5 minutes (a body sent one byte every
 * few seconds): the whole request must arrive within `requestTimeoutMs`, headers within 10 s
 * (or less), and both are checked every second instead of every 30 s. Node answers 408.
 */
export const httpTimeouts = (requestTimeoutMs: number) => ({
  requestTimeout: requestTimeoutMs,
  headersTimeout: Math.min(10_000, requestTimeoutMs),
  connectionsCheckingInterval: Math.min(1000, Math.ceil(requestTimeoutMs / 4)),
});

/** body-parser's error types and the status each deserves (it sets `status` itself, too). */
const BODY_ERRORS: Record<string, { status: number; message: string }> = {
  'entity.parse.failed': { status: 400, message: 'The request body is not valid JSON' },
  'entity.too.large': { status: 413, message: `The request body is larger than ${MAX_REQUEST_BYTES} bytes` },
  'encoding.unsupported': { status: 415, message: 'Unsupported content encoding' },
  'charset.unsupported': { status: 415, message: 'Unsupported charset; send UTF-8' },
  'request.aborted': { status: 400, message: 'The request was aborted' },
  'request.size.invalid': { status: 400, message: 'The request body is shorter or longer than its Content-Length' },
};

/**
 * Express's final error handler, as GraphQL speaks: `{ errors: [{ message, extensions: { code } }] }`
 * with the right HTTP status. A client mistake is BAD_REQUEST; anything else is logged and
 * masked as INTERNAL_SERVER_ERROR with the request id, like any unexpected error.
 */
function jsonErrors(logger: Logger): express.ErrorRequestHandler {
  return (err: unknown, _req, res, next) => {
    if (res.headersSent) return next(err);
    const requestId = res.locals.requestId as string | undefined;
    const type = (err as { type?: unknown })?.type;
    const known = typeof type === 'string' ? BODY_ERRORS[type] : undefined;
    const status = known?.status ?? (err as { status?: unknown })?.status;
    if (known || (typeof status === 'number' && status >= 400 && status < 500)) {
      res.status(known?.status ?? (status as number)).json({
        errors: [{ message: known?.message ?? 'Bad request', extensions: { code: 'BAD_REQUEST', requestId } }],
      });
      return;
    }
    logger.error({ err, requestId }, 'unexpected error in an HTTP route');
    res.status(500).json({
      errors: [
        {
          message: `Internal server error (request ${requestId ?? 'unknown'})`,
          extensions: { code: 'INTERNAL_SERVER_ERROR', requestId },
        },
      ],
    });
  };
}
