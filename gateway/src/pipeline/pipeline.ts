import type { ApolloServerPlugin } from '@apollo/server';
import type { Config, OperationGuards } from '@lattice/platform/core';
import type { GatewayContext } from '../context';
import { costLimit, documentGuards, tokenLimitPlugin, type DocumentGuards } from './guards';
import { runSteps, stepsPlugin, type OperationStep, type ResolvedOperation } from './steps';

/**
 * The gateway's operation pipeline, one definition for HTTP and graphql-ws so that no guard is
 * written twice:
 *
 *   1. authenticate   context (HTTP header) / subscriptions/connection-auth.ts (connectionParams)
 *   1b. rate limit    rate-limit.ts, right after authenticating (HTTP: the context; graphql-ws: the
 *                     top of onSubscribe), so an operation that fails to parse is counted too
 *   2. parse          token limit (GRAPHQL_MAX_TOKENS)
 *   3. validate       graphql-js' rules + depth, aliases, directives, then the variables; no suggestions in production
 *   4. steps          `steps` below, in order, on the resolved operation with its variables
 *   5. plan, execute  Apollo's gateway (queries, mutations) / subscriptions/ (subscriptions)
 *   6. telemetry      one log line and one metric (platform's operationMetricsPlugin / recordOperation)
 *
 * HTTP operations, and queries and mutations over the socket (`executeOperation`), run 2–6 inside
 * Apollo: `apollo` and `plugins` are its options. Subscriptions are planned by the gateway
 * itself and run the same 2–4 through `parse`, `validate`, `variableErrors` and `check`.
 */
export function createOperationPipeline(config: Config) {
  const guards = documentGuards(config);
  // A check that needs the operation, its variables or the caller goes here, in the order it
  // runs. The rate limit is not one: it runs before parsing (1b above).
  const steps: OperationStep[] = [costLimit(config)];
  const plugins: ApolloServerPlugin<GatewayContext>[] = [tokenLimitPlugin(guards), stepsPlugin(steps)];
  return {
    apollo: guards.apollo satisfies OperationGuards,
    plugins,
    parse: guards.parse,
    validate: guards.validate,
    variableErrors: guards.variableErrors,
    check: (operation: ResolvedOperation) => runSteps(steps, operation),
  };
}
export type OperationPipeline = ReturnType<typeof createOperationPipeline>;
export type { DocumentGuards };
