import type { ApolloServerPlugin, GraphQLRequest } from '@apollo/server';
import { ApolloServerPluginCacheControl } from '@apollo/server/plugin/cacheControl';
import responseCachePlugin from '@apollo/server-plugin-response-cache';
import { InMemoryLRUCache } from '@apollo/utils.keyvaluecache';
import {
  PublicDataWatcher,
  REDIS_PATIENCE_MS,
  withDeadline,
  type Config,
  type Logger,
  type Metrics,
  type Redis,
} from '@lattice/platform/core';
import type { GatewayContext } from './context';

export interface ResponseCache {
  plugins: ApolloServerPlugin<GatewayContext>[];
  close(): Promise<void>;
}

/**
 * What the gateway tells HTTP caches (browsers, CDNs): its own cache is cleared within a second
 * of a change, theirs would not be, so a public answer may be stored but is asked for again
 * (`no-cache`), anything else is never stored (`no-store`). Apollo's own header would pass the
 * subgraphs' max-age (a minute for `plans`) on to them.
 */
const clientCacheHeaders: ApolloServerPlugin<GatewayContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ operation, response, overallCachePolicy }) {
        const body = response.body.kind === 'single' ? response.body.singleResult : undefined;
        const policy = overallCachePolicy.policyIfCacheable();
        const isPublic = operation?.operation === 'query' && !!body && !body.errors && policy?.scope === 'PUBLIC';
        response.http.headers.set('cache-control', isPublic ? 'no-cache' : 'no-store');
      },
    };
  },
};

/**
 * Apollo's response cache in memory (LRU, RESPONSE_CACHE_MAX_MB), for query responses that every
 * subgraph answer they used called `public` with a max-age (the subgraphs' `@cacheControl` hints,
 * carried by their `Cache-Control` headers into the operation's cache policy). Such a response
 * holds only data that is the same for every caller, so it is shared by all of them, signed in or
 * not: there is no `sessionId`, and the plugin never stores a PRIVATE response without one.
 * Mutations, responses with errors and responses a subgraph called `no-store` are never stored.
 *
 * Invalidation: the whole cache is cleared when public data changes (`publicDataChanged`, after
 * the commit) and when the announcement connection is back after dropping, since announcements
 * published meanwhile are lost. While it is down nothing is read or stored, and a response whose
 * fetches started before a clear is not stored (it may hold what the clear was for). An
 * announcement lost on the publisher's side (its Redis down, ours up) leaves answers stale for at
 * most their max-age (PUBLIC_MAX_AGE_SECONDS).
 */
export async function createResponseCache(options: {
  config: Config;
  redis: Redis;
  logger: Logger;
  metrics: Metrics;
}): Promise<ResponseCache> {
  const { config, redis, logger, metrics } = options;
  // The gateway computes the policy from the subgraphs' headers; its header for clients is clientCacheHeaders'.
  const base = [ApolloServerPluginCacheControl({ calculateHttpHeaders: false }), clientCacheHeaders];
  if (!config.RESPONSE_CACHE) return { plugins: base, close: async () => undefined };

  const cache = new InMemoryLRUCache({ maxSize: config.RESPONSE_CACHE_MAX_MB * 1024 * 1024 });
  const lookups = metrics.counter('lattice_gateway_response_cache_lookups_total', 'Queries looked up in the response cache', [
    'result',
  ] as const);
  const clears = metrics.counter('lattice_gateway_response_cache_clears_total', 'Response cache cleared', ['reason'] as const);
  const watcher = new PublicDataWatcher({ redis, prefix: config.REDIS_PREFIX, logger });
  /** Bumped at every clear: a response computed across one is not stored. */
  let generation = 0;
  watcher.onChange((change) => {
    generation++;
    cache.clear();
    clears.inc({ reason: change ? 'change' : 'connection' });
  });
  // Until Redis has acknowledged the subscription the cache is bypassed, not broken: never block start-up on it.
  await withDeadline(watcher.ready(), REDIS_PATIENCE_MS, 'Redis SUBSCRIBE').catch((err: unknown) =>
    logger.warn({ err }, 'response cache bypassed until public data announcements can be subscribed'),
  );

  /** The generation each query's lookup saw; null: bypassed. */
  const seen = new WeakMap<GraphQLRequest, number | null>();
  const cachePlugin = responseCachePlugin<GatewayContext>({
    cache,
    shouldReadFromCache: async ({ request }) => {
      seen.set(request, watcher.watching ? generation : null);
      return watcher.watching;
    },
    // PUBLIC only, in so many words: the plugin refuses PRIVATE itself without a sessionId, but
    // warns on the console for every such response.
    shouldWriteToCache: async ({ request, overallCachePolicy }) =>
      watcher.watching && seen.get(request) === generation && overallCachePolicy.policyIfCacheable()?.scope === 'PUBLIC',
  });
  const countLookups: ApolloServerPlugin<GatewayContext> = {
    async requestDidStart() {
      return {
        async willSendResponse({ request, metrics: { responseCacheHit } }) {
          const looked = seen.get(request);
          if (looked === undefined) return;
          lookups.inc({ result: looked === null ? 'bypassed' : responseCacheHit ? 'hit' : 'miss' });
        },
      };
    },
  };
  return { plugins: [...base, cachePlugin, countLookups], close: () => watcher.close() };
}
