import { defaultFieldResolver, type GraphQLSchema } from 'graphql';
import { schemaVisible, type Config } from './config';
import { unauthenticated } from './errors';

/**
 * A subgraph's SDL (`_service { sdl }`) describes fields the public API hides. Where the schema is
 * hidden (production, unless GRAPHQL_INTROSPECTION=true) it is served only to callers with an
 * internal principal token: in production the gateway composes from the committed supergraph and
 * never asks (`SUPERGRAPH=introspect` is for development only). Guarded at the resolver, so no
 * alias or fragment reaches it another way.
 */
export function guardServiceSdl(schema: GraphQLSchema, config: Config): GraphQLSchema {
  if (schemaVisible(config)) return schema;
  const field = schema.getQueryType()?.getFields()._service;
  if (!field) return schema;
  const resolve = field.resolve ?? defaultFieldResolver;
  field.resolve = (source, args, context: { principal?: unknown }, info) => {
    if (!context.principal) throw unauthenticated('The subgraph schema is served to the gateway only');
    return resolve(source, args, context, info);
  };
  return schema;
}

// graphql-js' wording, as Apollo's own ApolloServerPluginDisableSuggestions matches it.
const SUGGESTION = / ?Did you mean(.+?)\?$/;

/**
 * Validation is told `hideSuggestions`; graphql-js still suggests while coercing variables
 * (`Field "emial" is not defined by type "SignUpInput". Did you mean "email"?`), in Apollo's
 * pipeline and in a gateway's executor alike. Stripped from every error where the schema is hidden.
 */
export const suggestionsStripper = {
  async requestDidStart() {
    return {
      async didEncounterErrors({ errors }: { errors: ReadonlyArray<{ message: string }> }) {
        for (const error of errors) error.message = error.message.replace(SUGGESTION, '');
      },
    };
  },
};
