import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer, HeaderMap, type ApolloServerOptions, type ApolloServerPlugin, type BaseContext } from '@apollo/server';
import { ApolloServerPluginDrainHttpServer } from '@apollo/server/plugin/drainHttpServer';
import { ApolloServerPluginInlineTraceDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloServerPluginLandingPageLocalDefault } from '@apollo/server/plugin/landingPage/default';
import cors from 'cors';
import express from 'express';
import type { FormattedExecutionResult, GraphQLSchema, ParseOptions, ValidationRule } from 'graphql';
import { WebSocketServer } from 'ws';
import { schemaVisible, type Config } from './config';
import { withDeadline } from './deadline';
import { createErrorFormatter, type ErrorFormatter } from './errors';
import type { Logger } from './logger';
import { type Metrics, operationMetricsPlugin, operationRecorder, type RecordOperation } from './metrics';
import { requestIdFrom, requestScope, tagRequestId } from './request-scope';
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
  context: (req: IncomingMessage, requestId: string) => Promise<TContext>;
  /**
   * Whether log lines written while serving a request find its id by themselves, through an
   * AsyncLocalStorage (default true). The gateway says false: on Node 20 a storage in use costs a
   * hook on every promise of the process, and its request id travels in the context anyway.
   */
  asyncRequestScope?: boolean;
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
 * Apollo Server 5 on our own HTTP server, so graphql-ws can share port and path, with /healthz,
 * /readyz, /metrics and a service's own routes (express 5) beside /graphql and a drain on stop.
 * /graphql itself is served without Express's router (see `graphqlOverHttp`).
 */
export function createServiceServer<TContext extends BaseContext>(options: ServiceServerOptions<TContext>): ServiceServer {
  const { config, logger, metrics } = options;
  const app = express();
  const inScope: <T>(requestId: string, work: () => T) => T =
    options.asyncRequestScope === false ? (_requestId, work) => work() : (requestId, work) => requestScope.run({ requestId }, work);
  let serveGraphql: ((req: IncomingMessage, res: ServerResponse, requestId: string) => void) | undefined;
  const httpServer = createHttpServer(httpTimeouts(config.HTTP_REQUEST_TIMEOUT_MS), (req, res) => {
    const requestId = requestIdFrom(req.headers['x-request-id']);
    res.setHeader('x-request-id', requestId);
    inScope(requestId, () => {
      if (serveGraphql && pathOf(req.url) === GRAPHQL_PATH) serveGraphql(req, res, requestId);
      else app(req as express.Request, res as express.Response);
    });
  });
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
      requestIdOnErrors<TContext>(),
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
  app.use((_req, res, next) => {
    res.locals.requestId = res.getHeader('x-request-id');
    next();
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
      serveGraphql = graphqlOverHttp(apollo, options.context, config, logger);
      // Last: whatever a route failed with is a JSON GraphQL error, never Express's HTML page.
      app.use(((err, _req, res, next) => {
        if (res.headersSent) return next(err);
        sendJsonError(err, res, res.locals.requestId as string | undefined, logger);
      }) satisfies express.ErrorRequestHandler);
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

/**
 * POST and GET /graphql as Apollo's standalone server serves them (CORS, then the JSON body
 * parser, then Apollo), without Express's router, request and response wrappers: they cost the
 * gateway about 0.3 ms of CPU per request. Body errors are answered as before (`sendJsonError`).
 */
function graphqlOverHttp<TContext extends BaseContext>(
  apollo: ApolloServer<TContext>,
  context: ServiceServerOptions<TContext>['context'],
  config: Config,
  logger: Logger,
) {
  const allowOrigins = cors({ origin: config.CORS_ORIGINS, credentials: true });
  const parseJson = express.json({ limit: MAX_REQUEST_BYTES });
  return (req: IncomingMessage, res: ServerResponse, requestId: string) => {
    const fail = (err: unknown) => (res.headersSent ? res.destroy() : sendJsonError(err, res, requestId, logger));
    allowOrigins(req, res, (corsError?: unknown) => {
      if (corsError) return fail(corsError);
      parseJson(req, res, (bodyError?: unknown) => {
        if (bodyError) return fail(bodyError);
        const headers = new HeaderMap();
        for (const [name, value] of Object.entries(req.headers))
          if (value !== undefined) headers.set(name, Array.isArray(value) ? value.join(', ') : value);
        apollo
          .executeHTTPGraphQLRequest({
            httpGraphQLRequest: {
              method: req.method?.toUpperCase() ?? 'GET',
              headers,
              search: searchOf(req.url),
              body: (req as { body?: unknown }).body,
            },
            context: () =>
              context(req, requestId).catch((err: unknown) => {
                tagRequestId(err, requestId);
                throw err;
              }),
          })
          .then(async (response) => {
            for (const [name, value] of response.headers) res.setHeader(name, value);
            res.statusCode = response.status ?? 200;
            if (response.body.kind === 'complete') return void res.end(response.body.string);
            for await (const chunk of response.body.asyncIterator) res.write(chunk);
            res.end();
          })
          .catch(fail);
      });
    });
  };
}

const pathOf = (url = '/') => {
  const query = url.indexOf('?');
  return query < 0 ? url : url.slice(0, query);
};
const searchOf = (url = '/') => {
  const query = url.indexOf('?');
  return query < 0 ? '' : url.slice(query);
};

/** Every error Apollo reports carries the request's id to the formatter, which names it when it masks one. */
function requestIdOnErrors<TContext extends BaseContext>(): ApolloServerPlugin<TContext> {
  return {
    async requestDidStart({ contextValue }) {
      const requestId = (contextValue as { requestId?: string }).requestId;
      return {
        async didEncounterErrors({ errors }) {
          for (const error of errors) tagRequestId(error, requestId);
        },
      };
    },
  };
}

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
 * The last word on a failed HTTP request, as GraphQL speaks: `{ errors: [{ message, extensions: { code } }] }`
 * with the right HTTP status. A client mistake is BAD_REQUEST; anything else is logged and
 * masked as INTERNAL_SERVER_ERROR with the request id, like any unexpected error.
 */
function sendJsonError(err: unknown, res: ServerResponse, requestId: string | undefined, logger: Logger): void {
  const type = (err as { type?: unknown })?.type;
  const known = typeof type === 'string' ? BODY_ERRORS[type] : undefined;
  const status = known?.status ?? (err as { status?: unknown })?.status;
  const clientError = known || (typeof status === 'number' && status >= 400 && status < 500);
  if (!clientError) logger.error({ err, requestId }, 'unexpected error in an HTTP route');
  const error = clientError
    ? { message: known?.message ?? 'Bad request', extensions: { code: 'BAD_REQUEST', requestId } }
    : { message: `Internal server error (request ${requestId ?? 'unknown'})`, extensions: { code: 'INTERNAL_SERVER_ERROR', requestId } };
  res.writeHead(clientError ? (known?.status ?? (status as number)) : 500, { 'content-type': 'application/json; charset=utf-8' });
  res.end(JSON.stringify({ errors: [error] }));
}
