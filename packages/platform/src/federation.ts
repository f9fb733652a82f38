import 'reflect-metadata';
import { buildSubgraphSchema } from '@apollo/subgraph';
import { printSchemaWithDirectives } from '@graphql-tools/utils';
import { parse, type GraphQLSchema } from 'graphql';
import { buildSchema, createResolversMap, type ClassType, type NonEmptyArray } from 'type-graphql';
import { authCheckerFor } from './authorization';
import { CACHE_CONTROL_SDL } from './cache-control';
import type { Policy } from './policy';
import type { Scope } from './scope';
import { DateTimeScalar, validateInput } from './validation';

const FEDERATION_LINK = `extend schema @link(url: "https://specs.apollo.dev/federation/v2.7", import: ["@key", "@shareable", "@external", "@requires", "@provides", "@inaccessible"])`;

export interface FederatedSchemaOptions {
  /** Explicit list: type-graphql's metadata is global, so globbing would mix subgraphs in one process. */
  resolvers: NonEmptyArray<ClassType>;
  orphanedTypes?: ClassType[];
  /** `__resolveReference` per entity type name. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each takes its own reference and context types
  referenceResolvers?: Record<string, (reference: any, context: any, info: any) => unknown>;
  /** The subgraph's action table, behind `@Authorized(action)`. */
  policy: Policy<string>;
}

type Resolve = (root: unknown, args: unknown, context: { scope: Scope }, info: unknown) => unknown;

/**
 * Every root Mutation field must commit through `mutate(scope, work)` (outbox, audit, live
 * events after commit). One that returns without having done so wrote around the boundary, or
 * wrote nothing: both are bugs, reported loudly rather than left to drift.
 */
const throughBoundary =
  (field: string, resolve: Resolve): Resolve =>
  async (root, args, context, info) => {
    const before = context.scope.committed.count;
    const result = await resolve(root, args, context, info);
    if (context.scope.committed.count === before) throw new Error(`Mutation.${field} returned without committing through mutate()`);
    return result;
  };

/**
 * type-graphql insists on a pubSub once a schema has a subscription. Ours all use
 * `@Subscription({ subscribe })` over the Redis PubSub (tenant-scoped channels), so topic-based
 * subscriptions are refused loudly rather than silently served from process memory.
 */
const topicsUnsupported = {
  publish(): never {
    throw new Error('Publish through the context pubsub');
  },
  subscribe(): never {
    throw new Error('Use @Subscription({ subscribe }) with the context pubsub');
  },
};

/**
 * A federation subgraph schema from type-graphql classes (type-graphql's federation recipe):
 * build, print with directives, add the federation @link, then buildSubgraphSchema.
 */
export async function buildFederatedSchema(options: FederatedSchemaOptions): Promise<GraphQLSchema> {
  const schema = await buildSchema({
    resolvers: options.resolvers,
    orphanedTypes: options.orphanedTypes,
    skipCheck: true,
    validateFn: validateInput,
    authChecker: authCheckerFor(options.policy),
    // DateTime refusing a value is BAD_USER_INPUT naming the argument, reported by validateInput.
    scalarsMap: [{ type: Date, scalar: DateTimeScalar }],
    pubSub: topicsUnsupported,
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- a resolver map is keyed by type and field names only
  const resolvers: Record<string, any> = createResolversMap(schema);
  for (const [field, resolve] of Object.entries<Resolve>(resolvers.Mutation ?? {}))
    resolvers.Mutation[field] = throughBoundary(field, resolve);
  for (const [typeName, resolveReference] of Object.entries(options.referenceResolvers ?? {})) {
    resolvers[typeName] = { ...resolvers[typeName], __resolveReference: resolveReference };
  }
  return buildSubgraphSchema({
    typeDefs: parse(`${FEDERATION_LINK}\n${CACHE_CONTROL_SDL}\n${printSchemaWithDirectives(schema)}`),
    resolvers,
  });
}
