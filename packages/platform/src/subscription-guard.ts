import { GraphQLError, subscribe, type ExecutionArgs, type ExecutionResult } from 'graphql';
import type { Logger } from './logger';
import { withMemberships, type MembershipSource } from './memberships';
import type { Principal } from './principal';

const DONE: IteratorReturnResult<undefined> = { value: undefined, done: true };

/** The errors a subscription would be refused with now, or null if it would be allowed. */
export type Reauthorize = (principal: Principal) => Promise<readonly GraphQLError[] | null>;

interface Watch {
  principal: Principal;
  reauthorize: Reauthorize;
  revoke(error: GraphQLError): void;
}

const isAsyncIterable = (value: unknown): value is AsyncIterableIterator<ExecutionResult> =>
  typeof value === 'object' && value !== null && Symbol.asyncIterator in value;

/**
 * Open subscriptions of users, authorized again whenever the user's memberships change: a
 * subscription's principal token was signed when it opened, so without this a removed member's
 * (or a lowered role's) subscription would stream until the client leaves. On a change
 * notification the subscription's own `subscribe` runs again as the user is now (the membership
 * projection applied to its principal); if that is refused, the open one ends with the refusal
 * (FORBIDDEN), as a graphql-ws `error`. So each subscription keeps exactly what its resolver
 * requires, and no table of requirements is kept anywhere else.
 */
export class SubscriptionGuard {
  private readonly byUser = new Map<string, Set<Watch>>();
  private readonly stopListening: () => void;

  constructor(
    private readonly memberships: MembershipSource,
    private readonly logger: Logger,
  ) {
    this.stopListening = memberships.onChange((userId) => void this.recheck(userId));
  }

  /**
   * `subscribe` (graphql-js') with the result guarded: `contextFor(principal)` builds the context
   * the probe runs in. Subscriptions of anyone but users are returned as they are.
   */
  async subscribe(args: ExecutionArgs, principal: Principal | null, contextFor: (principal: Principal) => unknown) {
    const result = await subscribe(args);
    if (!isAsyncIterable(result) || principal?.kind !== 'user') return result;
    return this.guard(principal, result, async (now) => {
      const probe = await subscribe({ ...args, contextValue: contextFor(now) });
      if (!isAsyncIterable(probe)) return probe.errors?.length ? probe.errors : null;
      await probe.return?.();
      return null;
    });
  }

  /** `source`, ended with the refusal when `reauthorize` refuses the user as its memberships now are. */
  guard<T>(principal: Principal, source: AsyncIterator<T>, reauthorize: Reauthorize): AsyncIterableIterator<T> {
    let rejectRevoked!: (error: unknown) => void;
    const revoked = new Promise<never>((_, reject) => (rejectRevoked = reject));
    revoked.catch(() => undefined);
    let closed = false;
    const close = () => {
      if (closed) return;
      closed = true;
      const watches = this.byUser.get(principal.sub);
      watches?.delete(watch);
      if (watches?.size === 0) this.byUser.delete(principal.sub);
    };
    const watch: Watch = {
      principal,
      reauthorize,
      revoke: (error) => {
        if (closed) return;
        close();
        rejectRevoked(error);
        void source.return?.();
      },
    };
    let watches = this.byUser.get(principal.sub);
    if (!watches) this.byUser.set(principal.sub, (watches = new Set()));
    watches.add(watch);
    return {
      // `revoked` first: once revoked, it wins even against a value the source already holds.
      next: () =>
        Promise.race([revoked, source.next()]).then((r) => {
          if (r.done) close();
          return r;
        }),
      return: async () => {
        close();
        await source.return?.();
        return DONE;
      },
      throw: async (error: unknown) => {
        close();
        await source.return?.();
        throw error;
      },
      [Symbol.asyncIterator]() {
        return this;
      },
    };
  }

  /** Subscriptions watched now, for tests and gauges. */
  get size(): number {
    let n = 0;
    for (const watches of this.byUser.values()) n += watches.size;
    return n;
  }

  close() {
    this.stopListening();
    this.byUser.clear();
  }

  /** One user's subscriptions, or (null: notifications may have been missed) everyone's. */
  private async recheck(userId: string | null) {
    for (const user of userId === null ? [...this.byUser.keys()] : [userId]) {
      const watches = this.byUser.get(user);
      if (!watches?.size) continue;
      try {
        // Read past the cache: what Redis holds now. A missing projection decides nothing here;
        // the gateway checks every event against one it has rebuilt.
        const projection = await this.memberships.fresh(user);
        if (!projection) continue;
        await Promise.all(
          [...watches].map(async (watch) => {
            const refused = await watch.reauthorize(withMemberships(watch.principal, projection));
            if (refused?.length) watch.revoke(refused[0]!);
          }),
        );
      } catch (err) {
        this.logger.warn({ err, userId: user }, 'subscriptions not re-authorized after a membership change');
      }
    }
  }
}
