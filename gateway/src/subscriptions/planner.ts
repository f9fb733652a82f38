import { buildOperationContext, type ApolloGateway } from '@apollo/gateway';
import { operationFromDocument, Supergraph, type Schema } from '@apollo/federation-internals';
import { QueryPlanner, type FetchNode, type PlanNode } from '@apollo/query-planner';
import type { DocumentNode, GraphQLSchema } from 'graphql';

export type OperationContext = ReturnType<typeof buildOperationContext>;

/** One composed supergraph with what planning and executing a subscription against it need. */
export interface SupergraphSnapshot {
  /** Tells snapshots apart: subscriptions are shared only within one supergraph version. */
  id: number;
  /** The API schema as the gateway serves it (graphql-js): clients validate against it. */
  apiSchema: GraphQLSchema;
  /** The same API schema in federation-internals' model, which planning and execution take. */
  api: Schema;
  /** The full supergraph (join directives): executeQueryPlan applies rewrites with it. */
  supergraphSchema: GraphQLSchema;
  planner: QueryPlanner;
  /** Plans by operation text: a dashboard opens the same subscription again and again. */
  plans: Map<string, SubscriptionPlan>;
}

/** `primary` is opened as a subscription on its subgraph; `rest` runs once per event. */
export interface SubscriptionPlan {
  primary: FetchNode;
  rest?: PlanNode;
  operationContext: OperationContext;
}

const MAX_CACHED_PLANS = 500;
let snapshots = 0;

export function snapshotOf(coreSupergraphSdl: string, apiSchema: GraphQLSchema): SupergraphSnapshot {
  // Built again from the SDL the gateway announces rather than read from its private fields;
  // the gateway has validated this SDL already.
  const supergraph = Supergraph.build(coreSupergraphSdl, { validateSupergraph: false });
  return {
    id: ++snapshots,
    apiSchema,
    api: supergraph.apiSchema(),
    supergraphSchema: supergraph.schema.toGraphQLJSSchema(),
    planner: new QueryPlanner(supergraph),
    plans: new Map(),
  };
}

/** Follows the gateway's supergraph: always the snapshot of its latest load or update. */
export function trackSupergraph(gateway: ApolloGateway): { current(): SupergraphSnapshot | undefined; dispose(): void } {
  let current: SupergraphSnapshot | undefined;
  const dispose = gateway.onSchemaLoadOrUpdate(({ apiSchema, coreSupergraphSdl }) => {
    current = snapshotOf(coreSupergraphSdl, apiSchema);
  });
  return { current: () => current, dispose };
}

/** Plan a validated subscription operation with the snapshot's QueryPlanner. */
export function planSubscription(
  snapshot: SupergraphSnapshot,
  document: DocumentNode,
  source: string,
  operationName?: string,
): SubscriptionPlan {
  const key = `${operationName ?? ''}\n${source}`;
  const cached = snapshot.plans.get(key);
  if (cached) return cached;
  const operation = operationFromDocument(snapshot.api, document, { operationName });
  const { node } = snapshot.planner.buildQueryPlan(operation);
  if (node?.kind !== 'Subscription') throw new Error(`Expected a Subscription plan, got ${node?.kind ?? 'an empty plan'}`);
  const plan: SubscriptionPlan = {
    primary: node.primary,
    rest: node.rest,
    operationContext: buildOperationContext({ schema: snapshot.apiSchema, operationDocument: document, operationName }),
  };
  if (snapshot.plans.size >= MAX_CACHED_PLANS) snapshot.plans.clear();
  snapshot.plans.set(key, plan);
  return plan;
}
