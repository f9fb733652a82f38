import { executeQueryPlan, type ServiceMap } from '@apollo/gateway';
import type { FetchNode, QueryPlan } from '@apollo/query-planner';
import { GraphQLError, type FormattedExecutionResult, type GraphQLFormattedError } from 'graphql';
import { formatErrorsFor, type ErrorFormatter, type Logger } from '@lattice/platform/core';
import type { GatewayContext } from '../context';
import type { SubscriptionPlan, SupergraphSnapshot } from './planner';

type RequestContext = Parameters<typeof executeQueryPlan>[2];

/**
 * The service name under which each event enters the plan. A distinct name, because `rest` may
 * fetch from the primary's own subgraph again and must reach the real one.
 */
export const EVENT_SOURCE = '[subscription event]';

/**
 * The plan run for every event: the primary fetch, answered by the event itself, then `rest`.
 * executeQueryPlan merges the event at the root and fetches the other subgraphs' fields like a query.
 */
export function eventQueryPlan(plan: SubscriptionPlan): QueryPlan {
  const primary: FetchNode = { ...plan.primary, serviceName: EVENT_SOURCE };
  return { kind: 'QueryPlan', node: plan.rest ? { kind: 'Sequence', nodes: [primary, plan.rest] } : primary };
}

export interface EventExecution {
  snapshot: SupergraphSnapshot;
  plan: SubscriptionPlan;
  queryPlan: QueryPlan;
  /** The subgraphs' data sources (PrincipalDataSource: a fresh principal token per fetch). */
  services: ServiceMap;
  context: GatewayContext;
  source: string;
  operationName?: string;
  variables: Record<string, unknown>;
  logger: Logger;
  formatError: ErrorFormatter;
}

/**
 * One upstream event → the client's result: entity fields of other subgraphs filled in, errors
 * (of the event or of an entity fetch) formatted like an HTTP response's and kept on this event.
 * Never throws: an event that fails to execute is reported on that event; the subscription goes on.
 */
export async function executeEvent(run: EventExecution, event: FormattedExecutionResult): Promise<FormattedExecutionResult> {
  try {
    return await execute(run, event);
  } catch (err) {
    return { data: null, errors: [formatEventError(run, err as Error)] };
  }
}

async function execute(run: EventExecution, event: FormattedExecutionResult): Promise<FormattedExecutionResult> {
  const serviceMap: ServiceMap = { ...run.services, [EVENT_SOURCE]: { process: async () => event } };
  // Only what executeQueryPlan and the data sources read; the rest of Apollo's request context
  // (cache, schema hash...) belongs to its HTTP pipeline. The contract test guards this use.
  const requestContext = {
    request: { query: run.source, variables: run.variables, operationName: run.operationName },
    context: run.context,
    logger: run.logger,
    metrics: {},
    operation: run.plan.operationContext.operation,
    operationName: run.operationName ?? null,
    source: run.source,
  } as unknown as RequestContext;
  const result = await executeQueryPlan(
    run.queryPlan,
    serviceMap,
    requestContext,
    run.plan.operationContext,
    run.snapshot.supergraphSchema,
    run.snapshot.api,
  );
  const { errors, ...rest } = result;
  if (!errors?.length) return rest as FormattedExecutionResult;
  return { ...(rest as FormattedExecutionResult), errors: errors.map((e) => formatEventError(run, e)) };
}

function formatEventError(run: EventExecution, raw: Error): GraphQLFormattedError {
  // A failed fetch (subgraph unreachable...) is collected as a plain Error, not a GraphQLError.
  const error = raw instanceof GraphQLError ? raw : new GraphQLError(raw.message, { originalError: raw });
  const [formatted] = formatErrorsFor(run.formatError, [error], run.context.requestId);
  // Errors the event itself carried name the subgraph that sent it, not the pseudo source.
  if (formatted.extensions?.serviceName !== EVENT_SOURCE) return formatted;
  return { ...formatted, extensions: { ...formatted.extensions, serviceName: run.plan.primary.serviceName } };
}
