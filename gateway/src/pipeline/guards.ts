import type { ApolloServerPlugin } from '@apollo/server';
import {
  getVariableValues,
  GraphQLError,
  parse,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import {
  gatewayShapeLimits,
  limitExceeded,
  schemaVisible,
  shapeLimitsRule,
  withCode,
  type Config,
  type OperationGuards,
} from '@lattice/platform/core';
import { operationCost } from './cost';
import type { GatewayContext } from '../context';
import type { OperationStep } from './steps';

// graphql-js' own message ("Document contains more that N tokens", sic): the one sign that the
// token limit, not the syntax, stopped the parser.
const TOKEN_LIMIT_MESSAGE = /Document contains more th(?:at|an) \d+ tokens/;

/**
 * Whether a parse stopped at the token limit (refused like every other guard: GRAPHQL_VALIDATION_FAILED
 * naming the limit) rather than at a syntax error (GRAPHQL_PARSE_FAILED).
 */
export const isTokenLimitError = (error: GraphQLError): boolean => TOKEN_LIMIT_MESSAGE.test(error.message);

/** The document guards (tokens, depth, aliases, directives), for Apollo and for the WebSocket's own parse. */
export function documentGuards(config: Config) {
  const maxTokens = config.GRAPHQL_MAX_TOKENS;
  const rules = [shapeLimitsRule(gatewayShapeLimits(config))];
  const hideSuggestions = !schemaVisible(config);
  const apollo: OperationGuards = { parseOptions: { maxTokens }, validationRules: rules };
  return {
    apollo,
    tokenLimitError: () => limitExceeded('tokens', maxTokens),
    /** Parse as Apollo does; throws a coded GraphQLError. */
    parse(source: string): DocumentNode {
      try {
        return parse(source, { maxTokens });
      } catch (err) {
        if (err instanceof GraphQLError && isTokenLimitError(err)) throw limitExceeded('tokens', maxTokens);
        // A RangeError (stack) is still the client's document: the token limit is set too high.
        throw withCode(err instanceof GraphQLError ? err : new GraphQLError((err as Error).message), 'GRAPHQL_PARSE_FAILED');
      }
    },
    /** Validate as Apollo does: the specified rules and the guards in one pass, suggestions hidden in production. */
    validate(schema: GraphQLSchema, document: DocumentNode): GraphQLError[] {
      return validate(schema, document, [...specifiedRules, ...rules], { hideSuggestions }).map((e) =>
        e.extensions.code ? e : withCode(e, 'GRAPHQL_VALIDATION_FAILED'),
      );
    },
    /** Coerce the variables as execution would: errors are BAD_USER_INPUT, without suggestions where the schema is hidden. */
    variableErrors(schema: GraphQLSchema, operation: OperationDefinitionNode, variables: Record<string, unknown>): GraphQLError[] {
      const coerced = getVariableValues(schema, operation.variableDefinitions ?? [], variables, { hideSuggestions });
      return (coerced.errors ?? []).map((e) => withCode(e, 'BAD_USER_INPUT'));
    },
  };
}
export type DocumentGuards = ReturnType<typeof documentGuards>;

/**
 * Apollo reports a parse stopped by `maxTokens` as GRAPHQL_PARSE_FAILED; this makes it the same
 * refusal as over the WebSocket (GRAPHQL_VALIDATION_FAILED, `extensions.limit: "tokens"`).
 */
export function tokenLimitPlugin(guards: DocumentGuards): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      return {
        async didEncounterErrors({ errors }) {
          for (const error of errors) {
            if (error.extensions.code !== 'GRAPHQL_PARSE_FAILED' || !isTokenLimitError(error)) continue;
            const refusal = guards.tokenLimitError();
            error.message = refusal.message;
            Object.assign(error.extensions, refusal.extensions);
          }
        },
      };
    },
  };
}

/** The cost limit: needs the variables (`first: $n`), so it runs per request on the resolved operation. */
export function costLimit(config: Config): OperationStep {
  const max = config.GRAPHQL_MAX_COST;
  const defaultListSize = config.GRAPHQL_DEFAULT_LIST_SIZE;
  return {
    name: 'cost',
    check({ schema, document, operation, variables }) {
      const cost = operationCost(schema, document, operation, variables, { defaultListSize });
      if (cost > max) {
        throw limitExceeded('cost', max, cost, [operation], ` (a list counts as its first/last argument, else ${defaultListSize} items)`);
      }
    },
  };
}
