import { LRUCache } from 'lru-cache';

/** What one token verified to, and when the token stops being valid (epoch ms). */
export interface Verified<T> {
  value: T;
  expiresAt: number;
}

/**
 * What bearer tokens verified to, remembered until each expires: checking a signature and the
 * claims costs more than the rest of a small request, and a client sends one token many times.
 * Bounded (least recently used first out). A remembered token is refused from its expiry on, as
 * its verifier would; a token that fails, or has already expired, is never remembered. Used by
 * the gateway (access tokens) and the subgraphs (internal principal tokens).
 */
export class VerifiedTokens<T extends object> {
  private readonly remembered: LRUCache<string, Verified<T>>;

  constructor(max = 10_000) {
    this.remembered = new LRUCache({ max });
  }

  /** The remembered verification of `token`, else `verify()`'s (null: invalid). */
  async get(token: string, verify: () => Promise<Verified<T> | null>): Promise<Verified<T> | null> {
    const known = this.remembered.get(token);
    if (known) {
      if (Date.now() < known.expiresAt) return known;
      this.remembered.delete(token);
    }
    const verified = await verify();
    if (verified && Date.now() < verified.expiresAt) this.remembered.set(token, verified);
    return verified;
  }
}
