import { GraphQLError, Kind, type GraphQLFormattedError } from 'graphql';
import type { Logger } from './logger';
import { requestIdOf, tagRequestId } from './request-scope';

/** The error codes of ARCHITECTURE.md ("Errors"); anything else is masked. */
export const ErrorCode = {
  UNAUTHENTICATED: 'UNAUTHENTICATED',
  FORBIDDEN: 'FORBIDDEN',
  NOT_FOUND: 'NOT_FOUND',
  BAD_USER_INPUT: 'BAD_USER_INPUT',
  CONFLICT: 'CONFLICT',
  QUOTA_EXCEEDED: 'QUOTA_EXCEEDED',
  RATE_LIMITED: 'RATE_LIMITED',
  BAD_REQUEST: 'BAD_REQUEST',
  /** A service the operation depends on went away (e.g. a subgraph ended a subscription); retry. */
  SERVICE_UNAVAILABLE: 'SERVICE_UNAVAILABLE',
  INTERNAL_SERVER_ERROR: 'INTERNAL_SERVER_ERROR',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Codes that reach the client as they are; Apollo's own parse/validation codes included. */
const PASSED_THROUGH = new Set<string>([
  ...Object.values(ErrorCode).filter((c) => c !== 'INTERNAL_SERVER_ERROR'),
  'GRAPHQL_PARSE_FAILED',
  'GRAPHQL_VALIDATION_FAILED',
  'PERSISTED_QUERY_NOT_FOUND',
  'PERSISTED_QUERY_NOT_SUPPORTED',
  'OPERATION_RESOLUTION_FAILURE',
]);

export interface FieldError {
  path: (string | number)[];
  message: string;
}

const make = (code: ErrorCode, message: string, extra: Record<string, unknown> = {}) =>
  new GraphQLError(message, { extensions: { code, ...extra } });

/**
 * Resolver errors keep HTTP 200 (the gateway would otherwise replace the message with the
 * status line); errors thrown while building a context pass `httpStatus`, or they become a 500.
 */
export const unauthenticated = (message = 'Authentication required', httpStatus?: number) =>
  make(ErrorCode.UNAUTHENTICATED, message, httpStatus ? { http: { status: httpStatus } } : {});
export const forbidden = (message = 'Not allowed') => make(ErrorCode.FORBIDDEN, message);
export const notFound = (what: string) => make(ErrorCode.NOT_FOUND, `${what} not found`);
export const conflict = (message: string) => make(ErrorCode.CONFLICT, message);
export const badRequest = (message: string) => make(ErrorCode.BAD_REQUEST, message, { http: { status: 400 } });
/** Too much at once; `retryAfterSeconds` (in `extra`) tells the client when trying again can work. */
export const rateLimited = (message: string, extra: Record<string, unknown> = {}) => make(ErrorCode.RATE_LIMITED, message, extra);
export const serviceUnavailable = (message: string, extra: Record<string, unknown> = {}) =>
  make(ErrorCode.SERVICE_UNAVAILABLE, message, extra);
/** The request's deadline (the gateway's `x-lattice-deadline`) passed: the write was rolled back, the client may retry. */
export const deadlineExceeded = (what = 'The request') =>
  serviceUnavailable(`${what} ran past its deadline and was rolled back; nothing was written. Retry.`, { reason: 'DEADLINE_EXCEEDED' });
export const badUserInput = (fields: FieldError[], message?: string) =>
  make(ErrorCode.BAD_USER_INPUT, message ?? fields.map((f) => `${f.path.join('.')}: ${f.message}`).join('; '), {
    fields,
  });

/** The same error with a code, e.g. graphql-js' own parse and validation errors outside Apollo. */
export const withCode = (e: GraphQLError, code: string) =>
  new GraphQLError(e.message, {
    nodes: e.nodes,
    source: e.source,
    positions: e.positions,
    path: e.path,
    originalError: e.originalError,
    extensions: { ...e.extensions, code },
  });

export const isClientError = (code: unknown): boolean => typeof code === 'string' && PASSED_THROUGH.has(code);

/**
 * Apollo `formatError`: known codes pass through; anything unexpected is logged with the
 * request id and replaced by INTERNAL_SERVER_ERROR carrying that id, so no internals leak.
 */
export function createErrorFormatter(logger: Logger) {
  return (formatted: GraphQLFormattedError, error: unknown): GraphQLFormattedError => {
    const code = formatted.extensions?.code;
    if (isClientError(code)) {
      const { stacktrace: _s, http: _h, ...extensions } = formatted.extensions ?? {};
      if (code === ErrorCode.BAD_USER_INPUT && !extensions.fields) extensions.fields = variableFields(error);
      return { ...formatted, extensions };
    }
    const original = error instanceof GraphQLError ? (error.originalError ?? error) : error;
    const requestId = (formatted.extensions?.requestId as string | undefined) ?? requestIdOf(error);
    const dependency = unavailableDependency(original);
    if (dependency) {
      // Not a bug: a dependency that hangs or is gone. Retryable, and said so.
      logger.warn({ err: loggable(original), requestId, path: formatted.path, dependency }, `${dependency} unavailable`);
      return {
        message: `${dependency === 'database' ? 'The database' : 'Redis'} did not answer in time; retry (request ${requestId ?? 'unknown'})`,
        path: formatted.path,
        locations: formatted.locations,
        extensions: { code: ErrorCode.SERVICE_UNAVAILABLE, requestId },
      };
    }
    logger.error({ err: loggable(original), requestId, path: formatted.path }, 'unexpected error');
    return {
      message: `Internal server error (request ${requestId ?? 'unknown'})`,
      path: formatted.path,
      locations: formatted.locations,
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR, requestId },
    };
  };
}

export type ErrorFormatter = ReturnType<typeof createErrorFormatter>;

/** Errors sent outside Apollo (graphql-ws messages), formatted as Apollo would under `requestId`. */
export const formatErrorsFor = (format: ErrorFormatter, errors: readonly GraphQLError[], requestId: string): GraphQLFormattedError[] =>
  errors.map((e) => {
    tagRequestId(e, requestId);
    return format(e.toJSON(), e);
  });

/**
 * A variable that does not coerce to its type is reported by graphql-js at the variable's
 * definition, with no field list: name the variable, so every BAD_USER_INPUT says where.
 */
function variableFields(error: unknown): FieldError[] | undefined {
  const node = error instanceof GraphQLError ? error.nodes?.[0] : undefined;
  if (node?.kind !== Kind.VARIABLE_DEFINITION) return undefined;
  return [{ path: ['variables', node.variable.name.value], message: (error as GraphQLError).message }];
}

/**
 * PostgreSQL SQLSTATEs of a database that is too slow or going away (not of a bad statement):
 * 57014 statement timeout, 25P03 idle-in-transaction timeout, 57P01–03 shutdown, 53300 too
 * many connections, class 08 connection exceptions.
 */
const UNAVAILABLE_SQLSTATE = /^(57014|25P03|57P0[1-3]|53300|08...)$/;
/** Client-side failures (they carry no SQLSTATE); knex puts the failing SQL in front of them. */
const UNAVAILABLE_MESSAGE =
  /Knex: Timeout acquiring a connection|Connection terminated (unexpectedly|due to connection timeout)|timeout exceeded when trying to connect|PostgreSQL did not answer within|Client has encountered a connection error and is not queryable/;

/**
 * Which dependency an error says is unavailable (hung, unreachable, timed out), if it says so.
 * Recognised by shape, since knex and MikroORM wrap the driver's errors (keeping their code).
 */
export function unavailableDependency(err: unknown): 'database' | 'redis' | undefined {
  // Not instanceof Error: socket errors are made in Node's own realm.
  if (typeof err !== 'object' || err === null || typeof (err as Error).message !== 'string') return undefined;
  const { code, sqlState, name, message } = err as Error & { code?: unknown; sqlState?: unknown };
  if (name === 'MaxRetriesPerRequestError') return 'redis';
  if (code === 'LATTICE_DATABASE_TIMEOUT') return 'database';
  const state = typeof sqlState === 'string' ? sqlState : typeof code === 'string' ? code : undefined;
  // A server error names itself; only then is its message (which quotes the SQL and its values) not read.
  if (state) return UNAVAILABLE_SQLSTATE.test(state) || state === 'ECONNREFUSED' ? 'database' : undefined;
  return UNAVAILABLE_MESSAGE.test(message) ? 'database' : undefined;
}

/**
 * Database errors carry the failing SQL with its values (emails, hashes) in their message:
 * log what identifies the failure (type, SQLSTATE, constraint, stack frames), never the values.
 */
export function loggable(err: unknown): unknown {
  if (!(err instanceof Error) || !('sqlState' in err || 'code' in err)) return err;
  const e = err as Error & { sqlState?: string; code?: string; constraint?: string };
  return {
    type: e.name,
    sqlState: e.sqlState,
    code: e.code,
    constraint: e.constraint,
    stack: e.stack
      ?.split('\n')
      .filter((l) => /^\s+at /.test(l))
      .join('\n'),
  };
}
