import type { ApolloServerPlugin } from '@apollo/server';
import type { DocumentNode, GraphQLSchema, OperationDefinitionNode } from 'graphql';
import type { GatewayContext } from '../context';

/** An operation that has been parsed and validated, with who sent it: what each step judges. */
export interface ResolvedOperation {
  schema: GraphQLSchema;
  document: DocumentNode;
  operation: OperationDefinitionNode;
  /** As the client sent them (not yet coerced). */
  variables: Readonly<Record<string, unknown>>;
  context: GatewayContext;
}

/** One check of the pipeline after validation; refuses by throwing a GraphQLError. */
export interface OperationStep {
  name: string;
  check(operation: ResolvedOperation): void | Promise<void>;
}

/** Runs the steps in their order; the first refusal ends the operation. */
export async function runSteps(steps: readonly OperationStep[], operation: ResolvedOperation): Promise<void> {
  for (const step of steps) await step.check(operation);
}

/**
 * The steps for everything Apollo runs: HTTP operations, and queries and mutations over
 * graphql-ws (`executeOperation`). Apollo answers a GraphQLError thrown here with its
 * `extensions.http` status, before anything is planned or sent to a subgraph.
 */
export function stepsPlugin(steps: readonly OperationStep[]): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ schema, document, operation, request, contextValue }) {
          if (!operation) return;
          await runSteps(steps, { schema, document, operation, variables: request.variables ?? {}, context: contextValue });
        },
      };
    },
  };
}
