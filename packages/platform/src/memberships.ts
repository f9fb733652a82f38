import { GraphQLError } from 'graphql';
import { z } from 'zod';
import type { Logger } from './logger';
import { ORG_ROLES, type MembershipClaim, type Principal } from './principal';
import { withDeadline } from './deadline';
import { closeRedis, type Redis } from './redis';

/**
 * The membership projection: what accounts keeps in Redis per user, written after every commit
 * that changes the user's memberships (and rebuilt from the database when missing). Access
 * tokens live 15 minutes; this is how a removed member or a lowered role takes effect within a
 * second on every path instead. `version` grows with every change (accounts counts it in the
 * user's row, in the changing transaction), so an older write never replaces a newer one.
 */
export interface MembershipProjection {
  version: number;
  memberships: MembershipClaim[];
}

const projectionSchema = z.object({
  version: z.number().int().nonnegative(),
  memberships: z.array(z.object({ org: z.string(), role: z.enum(ORG_ROLES) })),
});

/** `<prefix>memberships:<userId>` → the JSON of a `MembershipProjection`. */
export const membershipKey = (prefix: string, userId: string) => `${prefix}memberships:${userId}`;
/** Pub/sub channel (the prefix spelled out: ioredis' keyPrefix does not apply to PUBLISH). Payload `{ userId, version }`. */
export const membershipChannel = (prefix: string) => `${prefix}memberships`;
/** A projection nobody refreshed for this long is dropped; the next reader has it rebuilt. */
export const MEMBERSHIP_PROJECTION_TTL_SECONDS = 7 * 24 * 3600;
/** How long a replica reuses a projection it read; change notifications drop it sooner. */
export const MEMBERSHIP_CACHE_MS = 1000;

export function parseProjection(raw: unknown): MembershipProjection | null {
  try {
    const parsed = projectionSchema.safeParse(typeof raw === 'string' ? JSON.parse(raw) : raw);
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * The principal as the projection says, for users: its memberships, and the active organization
 * only while it is still one of them (with its current role). Other kinds are returned as they are.
 */
export function withMemberships(principal: Principal, projection: MembershipProjection): Principal {
  if (principal.kind !== 'user') return principal;
  const active = principal.org ? projection.memberships.find((m) => m.org === principal.org) : undefined;
  return { ...principal, memberships: projection.memberships, org: active?.org ?? null, role: active?.role ?? null };
}

// Set only if no newer version is stored; publish when what is stored changed. One script, so
// the stored value and its notification can never disagree.
const WRITE_SCRIPT = `
local current = redis.call('GET', KEYS[1])
local stored = -1
if current then
  local ok, decoded = pcall(cjson.decode, current)
  if ok and type(decoded) == 'table' and tonumber(decoded.version) then stored = tonumber(decoded.version) end
end
if stored > tonumber(ARGV[2]) then return 0 end
redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[3])
if current == ARGV[1] then return 1 end
redis.call('PUBLISH', ARGV[4], ARGV[5])
return 2`;

/**
 * accounts' write of one user's projection: replaces an older version, refreshes the same one,
 * leaves a newer one alone; every replica is notified when what is stored changed (also at the
 * same version: memberships edited without `membershipsChanged`, e.g. by hand, are corrected by
 * the next log-in or refresh). Returns whether it changed.
 */
export async function writeMembershipProjection(
  redis: Redis,
  prefix: string,
  userId: string,
  projection: MembershipProjection,
): Promise<boolean> {
  const written = await redis.eval(
    WRITE_SCRIPT,
    1,
    membershipKey(prefix, userId),
    JSON.stringify(projection),
    String(projection.version),
    String(MEMBERSHIP_PROJECTION_TTL_SECONDS),
    membershipChannel(prefix),
    JSON.stringify({ userId, version: projection.version }),
  );
  return written === 2;
}

export const membershipsUnavailable = (cause: string) =>
  new GraphQLError(`Memberships could not be checked (${cause}); try again`, {
    extensions: { code: 'SERVICE_UNAVAILABLE', http: { status: 503 } },
  });

export interface MembershipSourceOptions {
  /** For reads; the source opens its own subscriber connection from it for the notifications. */
  redis: Redis;
  prefix: string;
  logger: Logger;
  /** How long a read projection is reused in this process (default `MEMBERSHIP_CACHE_MS`); 0 turns the cache off. */
  cacheMs?: number;
  /**
   * Builds a missing projection (the gateway: accounts' `/internal/memberships/:userId`, which
   * also stores it). Without it, a missing projection reads as null.
   */
  rebuild?: (userId: string) => Promise<MembershipProjection>;
  /** Longest wait for Redis (default 1 s). */
  timeoutMs?: number;
}

/** `null`: the notification connection reconnected, so any user's memberships may have changed meanwhile. */
export type MembershipListener = (userId: string | null) => void;

const MAX_CACHED = 100_000;

/**
 * Reads the projection for the gateway and the subgraphs, with a short in-process cache that
 * cannot make a decision stale beyond `cacheMs`: entries expire after it, a change notification
 * drops an entry at once, and a read that was in flight when a notification arrived is not cached.
 */
export class MembershipSource {
  private readonly cache = new Map<string, { projection: MembershipProjection; expires: number }>();
  private readonly listeners = new Set<MembershipListener>();
  private readonly loading = new Map<string, { read: Promise<MembershipProjection | null>; generation: number }>();
  private readonly subscriber: Redis;
  private readonly cacheMs: number;
  private readonly timeoutMs: number;
  /** Bumped by every notification: a read started under an older generation is not cached. */
  private generation = 0;
  private connectedOnce = false;

  private constructor(private readonly options: MembershipSourceOptions) {
    this.cacheMs = options.cacheMs ?? MEMBERSHIP_CACHE_MS;
    this.timeoutMs = options.timeoutMs ?? 1000;
    this.subscriber = options.redis.duplicate();
    this.subscriber.on('error', (err: Error) => options.logger.warn({ err }, 'Redis connection error (membership notifications)'));
    this.subscriber.on('message', (_channel: string, message: string) => this.notified(message));
    // Notifications published while the connection was down are lost: forget everything read so far.
    this.subscriber.on('ready', () => {
      if (this.connectedOnce) this.changed(null);
      this.connectedOnce = true;
    });
  }

  /** A source listening for change notifications (resolves once Redis has acknowledged the SUBSCRIBE). */
  static async start(options: MembershipSourceOptions): Promise<MembershipSource> {
    const source = new MembershipSource(options);
    try {
      await source.subscriber.subscribe(membershipChannel(options.prefix));
    } catch (err) {
      await source.close();
      throw err;
    }
    return source;
  }

  /** The user's projection: cached for at most `cacheMs`, else from Redis, else rebuilt (or null without `rebuild`). */
  async get(userId: string): Promise<MembershipProjection | null> {
    const hit = this.cache.get(userId);
    if (hit && hit.expires > Date.now()) return hit.projection;
    // Join a read in flight, unless a notification has arrived since it started.
    const pending = this.loading.get(userId);
    if (pending && pending.generation === this.generation) return pending.read;
    const started = { read: this.load(userId), generation: this.generation };
    this.loading.set(userId, started);
    void started.read.finally(() => this.loading.get(userId) === started && this.loading.delete(userId)).catch(() => undefined);
    return started.read;
  }

  /** Read past the cache (and past reads in flight): what Redis holds now. */
  fresh(userId: string): Promise<MembershipProjection | null> {
    return this.load(userId);
  }

  /**
   * The principal a credential stands for now: a user's memberships and active role from the
   * projection (the token's own claims are not trusted for them); other kinds as they are.
   */
  async principalFor(credential: Principal, options: { fresh?: boolean } = {}): Promise<Principal> {
    if (credential.kind !== 'user') return credential;
    const projection = options.fresh ? await this.fresh(credential.sub) : await this.get(credential.sub);
    return withMemberships(credential, projection ?? { version: 0, memberships: [] });
  }

  /** Called for every change notification (after the cache has dropped the user); returns the unsubscribe. */
  onChange(listener: MembershipListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(): Promise<void> {
    this.listeners.clear();
    this.cache.clear();
    await closeRedis(this.subscriber);
  }

  private async load(userId: string): Promise<MembershipProjection | null> {
    const generation = this.generation;
    let raw: string | null;
    try {
      raw = await withDeadline(this.options.redis.get(membershipKey(this.options.prefix, userId)), this.timeoutMs, 'Redis GET');
    } catch (err) {
      this.options.logger.warn({ err, userId }, 'membership projection not readable');
      throw membershipsUnavailable('Redis did not answer');
    }
    let projection = raw === null ? null : parseProjection(raw);
    if (!projection && this.options.rebuild) {
      try {
        projection = await this.options.rebuild(userId);
      } catch (err) {
        this.options.logger.warn({ err, userId }, 'membership projection not rebuilt');
        throw membershipsUnavailable('accounts did not answer');
      }
    }
    if (projection && this.cacheMs > 0 && generation === this.generation) {
      if (this.cache.size >= MAX_CACHED) this.evict();
      this.cache.set(userId, { projection, expires: Date.now() + this.cacheMs });
    }
    return projection;
  }

  private evict() {
    const now = Date.now();
    for (const [userId, entry] of this.cache) if (entry.expires <= now) this.cache.delete(userId);
    if (this.cache.size >= MAX_CACHED) this.cache.clear();
  }

  private notified(message: string) {
    let userId: unknown;
    try {
      userId = (JSON.parse(message) as { userId?: unknown }).userId;
    } catch {
      userId = undefined;
    }
    if (typeof userId !== 'string') return this.options.logger.warn({ message }, 'dropped a malformed membership notification');
    this.changed(userId);
  }

  private changed(userId: string | null) {
    this.generation++;
    if (userId === null) this.cache.clear();
    else this.cache.delete(userId);
    for (const listener of this.listeners) {
      try {
        listener(userId);
      } catch (err) {
        this.options.logger.error({ err }, 'membership listener failed');
      }
    }
  }
}
