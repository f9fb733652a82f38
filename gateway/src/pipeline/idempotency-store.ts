import { createHash, randomUUID } from 'node:crypto';
import type { FormattedExecutionResult } from 'graphql';
import type { Redis } from '@lattice/platform/core';

/** The first response to a key, as it was sent. */
export interface StoredResponse {
  status: number;
  body: FormattedExecutionResult;
}

type Entry = { fingerprint: string } & ({ state: 'pending'; token: string } | { state: 'done'; response: StoredResponse });

/** What a request holding an idempotency key may do. */
export type Claim =
  | { kind: 'execute'; key: string; pending: string }
  | { kind: 'replay'; response: StoredResponse }
  | { kind: 'inFlight' }
  | { kind: 'mismatch' };

// Compare-and-set/delete on the pending record this request wrote: if that record expired and a
// retry claimed the key meanwhile, the retry's record is left alone.
const COMPLETE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end return false`;
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

/**
 * Idempotency records in Redis, shared by every gateway replica. A key lives in the namespace
 * of the caller that sent it (`owner`), so one caller can neither read nor block another's.
 */
export class IdempotencyStore {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly ttlMs: number,
    /**
     * How long a claim holds the key without an answer: longer than any request may run, and a
     * claim left by a gateway that died mid-request is freed after it.
     */
    private readonly pendingMs = 120_000,
  ) {}

  /** Hashed: keys are client-chosen strings; the Redis key stays short and holds no caller id in clear. */
  private redisKey(owner: string, key: string) {
    return `${this.prefix}idempotency:${sha256(`${owner}\n${key}`)}`;
  }

  /** `fingerprint` identifies the request body: the same key with another body is a mismatch. */
  async claim(owner: string, key: string, fingerprint: string): Promise<Claim> {
    const redisKey = this.redisKey(owner, key);
    const pending = JSON.stringify({ state: 'pending', token: randomUUID(), fingerprint } satisfies Entry);
    // SET … NX GET: one round trip that either claims the key or returns who holds it (Redis 7).
    const previous = await this.redis.set(redisKey, pending, 'PX', this.pendingMs, 'NX', 'GET');
    if (previous === null) return { kind: 'execute', key: redisKey, pending };
    const record = JSON.parse(previous) as Entry;
    if (record.fingerprint !== fingerprint) return { kind: 'mismatch' };
    return record.state === 'done' ? { kind: 'replay', response: record.response } : { kind: 'inFlight' };
  }

  /** Keep the response of an executed claim for the retention period. */
  async complete(claim: Extract<Claim, { kind: 'execute' }>, response: StoredResponse): Promise<void> {
    const { fingerprint } = JSON.parse(claim.pending) as Entry;
    const done = JSON.stringify({ state: 'done', fingerprint, response } satisfies Entry);
    await this.redis.eval(COMPLETE, 1, claim.key, claim.pending, done, this.ttlMs);
  }

  /** Free the key: the operation did not run (or did not take effect), so a retry must run it. */
  async release(claim: Extract<Claim, { kind: 'execute' }>): Promise<void> {
    await this.redis.eval(RELEASE, 1, claim.key, claim.pending);
  }
}

/** Same query, operation name and variables: what "the same body" means for a retry. */
export const fingerprintOf = (query: string, operationName: string | null | undefined, variables: unknown): string =>
  sha256(JSON.stringify([query, operationName ?? null, variables ?? {}]));
