import { RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { withDeadline } from './deadline';
import type { Logger } from './logger';
import type { Redis } from './redis';

/** Where one key stands after an action was counted: the fields of the IETF `RateLimit-*` headers. */
export interface Quota {
  limit: number;
  remaining: number;
  /** Seconds until the window (or the block) ends and the count starts again. */
  resetSeconds: number;
}

export type Verdict =
  | { allowed: true; consumed: number; quota: Quota }
  | { allowed: false; consumed: number; quota: Quota; retryAfterSeconds: number }
  /** Redis did not answer: nothing was counted and the action is let through (fail open, logged). */
  | { allowed: true; consumed: null; quota: null };

export interface RedisLimiterOptions {
  redis: Redis;
  /** The service's REDIS_PREFIX: keys are `<prefix>ratelimit:<name>:<key>`, so every replica shares them. */
  prefix: string;
  name: string;
  /** Actions allowed per window. */
  points: number;
  /** The window, from the first action a key makes (rate-limiter-flexible's fixed window). */
  durationSeconds: number;
  logger: Logger;
  /** How long to wait for Redis before failing open. */
  timeoutMs?: number;
}

/**
 * The key an address is counted under: IPv4 as it is (also when IPv4-mapped, `::ffff:1.2.3.4`);
 * IPv6 by its /64, since one client commonly holds a whole /64 and could otherwise take a fresh
 * address, and a fresh limit, for every request. No address at all shares one key.
 */
export function addressKey(ip: string | null | undefined): string {
  if (!ip) return 'unknown';
  const address = ip.split('%')[0]!.toLowerCase();
  const mapped = /^(?:0{0,4}:){0,5}:?ffff:(\d+\.\d+\.\d+\.\d+)$/.exec(address) ?? /^::(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (mapped) return mapped[1]!;
  if (!address.includes(':')) return address;
  const [head = '', tail] = address.split('::');
  const groups = (part: string) => (part ? part.split(':').flatMap((g) => (g.includes('.') ? ['0', '0'] : [g])) : []);
  const before = groups(head);
  const after = tail === undefined ? [] : groups(tail);
  const all = [...before, ...Array<string>(Math.max(0, 8 - before.length - after.length)).fill('0'), ...after];
  return `${all
    .slice(0, 4)
    .map((g) => (parseInt(g, 16) || 0).toString(16))
    .join(':')}::/64`;
}

/** Redis is given this long per call: a limit must not hold a request hostage to a Redis that hangs. */
const REDIS_TIMEOUT_MS = 500;
/** While Redis is unavailable, one warning per limiter this often, not one per request. */
const WARN_EVERY_MS = 30_000;

const ceilSeconds = (ms: number) => Math.max(1, Math.ceil(ms / 1000));

const quotaOf = (points: number, res: RateLimiterRes): Quota => ({
  limit: points,
  remaining: Math.max(0, res.remainingPoints),
  resetSeconds: ceilSeconds(res.msBeforeNext),
});

/**
 * A counter per key in Redis (rate-limiter-flexible's RateLimiterRedis on the service's ioredis
 * connection), shared by every replica. Limits protect the service, they are not what it is
 * for: when Redis is down or slow, actions are let through and a warning is logged (at most
 * every 30 s per limiter) rather than refusing everyone.
 */
export class RedisLimiter {
  readonly name: string;
  readonly points: number;
  readonly durationSeconds: number;
  private readonly limiter: RateLimiterRedis;
  private readonly logger: Logger;
  private readonly timeoutMs: number;
  private lastWarning = 0;

  constructor(options: RedisLimiterOptions) {
    this.name = options.name;
    this.points = options.points;
    this.durationSeconds = options.durationSeconds;
    this.logger = options.logger;
    this.timeoutMs = options.timeoutMs ?? REDIS_TIMEOUT_MS;
    this.limiter = new RateLimiterRedis({
      storeClient: options.redis,
      keyPrefix: `${options.prefix}ratelimit:${options.name}`,
      points: options.points,
      duration: options.durationSeconds,
      // A disconnected ioredis would queue the command until it reconnects: fail at once instead.
      rejectIfRedisNotReady: true,
    });
  }

  /** Count `points` actions of `key`; past the limit the verdict says when to retry. */
  async consume(key: string, points = 1): Promise<Verdict> {
    let res: RateLimiterRes;
    try {
      res = await withDeadline(this.limiter.consume(key, points), this.timeoutMs, 'Redis');
    } catch (rejection) {
      if (!(rejection instanceof RateLimiterRes)) return this.unavailable(rejection, 'consume');
      return {
        allowed: false,
        consumed: rejection.consumedPoints,
        quota: quotaOf(this.points, rejection),
        retryAfterSeconds: ceilSeconds(rejection.msBeforeNext),
      };
    }
    return { allowed: true, consumed: res.consumedPoints, quota: quotaOf(this.points, res) };
  }

  /** Refuse `key` for `seconds` from now, whatever its count (a lock-out). False: Redis unavailable. */
  async block(key: string, seconds: number): Promise<boolean> {
    return this.quietly('block', () => this.limiter.block(key, seconds));
  }

  /** Give back `points` (an action that turned out not to count). */
  async reward(key: string, points = 1): Promise<boolean> {
    return this.quietly('reward', () => this.limiter.reward(key, points));
  }

  /** Forget `key`: its count starts again from zero. */
  async delete(key: string): Promise<boolean> {
    return this.quietly('delete', () => this.limiter.delete(key));
  }

  private async quietly(what: string, work: () => Promise<unknown>): Promise<boolean> {
    try {
      await withDeadline(work(), this.timeoutMs, 'Redis');
      return true;
    } catch (err) {
      this.unavailable(err, what);
      return false;
    }
  }

  private unavailable(err: unknown, what: string): Verdict {
    const now = Date.now();
    if (now - this.lastWarning >= WARN_EVERY_MS) {
      this.lastWarning = now;
      this.logger.warn({ err, limiter: this.name, operation: what }, `rate limit "${this.name}" not enforced: Redis unavailable`);
    }
    return { allowed: true, consumed: null, quota: null };
  }
}
