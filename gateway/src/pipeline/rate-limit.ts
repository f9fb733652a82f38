import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import {
  addressKey,
  rateLimited,
  RedisLimiter,
  type Config,
  type Logger,
  type Metrics,
  type Principal,
  type Quota,
  type Redis,
} from '@lattice/platform/core';
import type { GatewayContext } from '../context';

/** Whom operations are counted against. */
export type Bucket = 'user' | 'apiKey' | 'ip';

/** Signed-in callers by who they are, whatever address they call from; anonymous ones by address. */
export function callerOf(principal: Principal | null, ip: string | null): { bucket: Bucket; id: string } {
  if (!principal) return { bucket: 'ip', id: addressKey(ip) };
  // An API key's principal is the key (its `sub` is the key id), so a key is counted apart from its creator.
  return { bucket: principal.kind === 'apiKey' ? 'apiKey' : 'user', id: principal.sub };
}

/** The IETF draft's fields (draft-ietf-httpapi-ratelimit-headers): limit, what is left, seconds to the reset. */
export function rateLimitHeaders(quota: Quota, windowSeconds: number): [string, string][] {
  return [
    ['ratelimit-limit', String(quota.limit)],
    ['ratelimit-remaining', String(quota.remaining)],
    ['ratelimit-reset', String(quota.resetSeconds)],
    ['ratelimit-policy', `${quota.limit};w=${windowSeconds}`],
  ];
}

const WHO: Record<Bucket, string> = {
  user: 'per user',
  apiKey: 'per API key',
  ip: 'per address without signing in',
};

/**
 * The pipeline's rate limit (authenticate → rate limit → parse …): every operation, over HTTP
 * and graphql-ws alike, counts one against its caller before it is parsed, so an operation
 * that fails to parse or validate counts too. Counted in Redis under REDIS_PREFIX (every
 * replica shares the count), in fixed windows of RATE_LIMIT_WINDOW_SECONDS. Redis unavailable:
 * operations pass, uncounted, and a warning is logged (fail open).
 */
export class OperationRateLimits {
  readonly windowSeconds: number;
  private readonly limiters: Record<Bucket, RedisLimiter>;
  private readonly refused: ReturnType<Metrics['counter']>;

  constructor(options: { redis: Redis; config: Config; logger: Logger; metrics: Metrics }) {
    const { redis, config, logger, metrics } = options;
    this.windowSeconds = config.RATE_LIMIT_WINDOW_SECONDS;
    const limiter = (name: Bucket, points: number) =>
      new RedisLimiter({
        redis,
        prefix: config.REDIS_PREFIX,
        name: `gateway:${name}`,
        points,
        durationSeconds: this.windowSeconds,
        logger,
      });
    this.limiters = {
      user: limiter('user', config.RATE_LIMIT_PER_USER),
      // The seam for API keys (accounts issue): their own bucket, at the per-user limit until they get a variable of their own.
      apiKey: limiter('apiKey', config.RATE_LIMIT_PER_USER),
      ip: limiter('ip', config.RATE_LIMIT_PER_IP),
    };
    // Refusals are counted, not logged: a client over its limit would otherwise write a line per request.
    this.refused = metrics.counter('lattice_gateway_rate_limited_total', 'Operations refused for being over a rate limit', ['bucket']);
  }

  /**
   * Counts one operation of this caller. Resolves with the caller's quota (null: Redis did not
   * answer, nothing counted); past the limit throws RATE_LIMITED with `retryAfterSeconds`,
   * HTTP 429 and the `RateLimit-*` and `Retry-After` headers.
   */
  async admit(principal: Principal | null, ip: string | null): Promise<Quota | null> {
    const { bucket, id } = callerOf(principal, ip);
    const verdict = await this.limiters[bucket].consume(id);
    if (verdict.allowed) return verdict.quota;
    this.refused.inc({ bucket });
    const { quota, retryAfterSeconds } = verdict;
    const headers = new HeaderMap([...rateLimitHeaders(quota, this.windowSeconds), ['retry-after', String(retryAfterSeconds)]]);
    throw rateLimited(
      `Rate limit exceeded: at most ${quota.limit} operations every ${this.windowSeconds} s ${WHO[bucket]}; retry in ${retryAfterSeconds} s`,
      { retryAfterSeconds, http: { status: 429, headers } },
    );
  }
}

/** Every HTTP response of an admitted operation carries its caller's quota (refusals carry theirs on the error). */
export function rateLimitHeadersPlugin(windowSeconds: number): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart({ contextValue }) {
      const quota = contextValue.rateLimit;
      if (!quota) return;
      return {
        async willSendResponse({ response }) {
          for (const [name, value] of rateLimitHeaders(quota, windowSeconds)) response.http.headers.set(name, value);
        },
      };
    },
  };
}
