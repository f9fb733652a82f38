import type { EntityManager } from '@mikro-orm/postgresql';
import type { Clock } from './clock';
import type { AuditInput } from './events/audit';
import type { Logger } from './logger';
import type { Principal } from './principal';
import type { PubSub } from './redis';

/** Who asked, for the audit log and the logs. */
export interface RequestInfo {
  id: string;
  ip: string | null;
  /**
   * Epoch ms after which the caller no longer waits (the gateway's `x-lattice-deadline`): a
   * write still open then is rolled back instead of committed. Absent: no deadline.
   */
  deadline?: number;
}

/** What the mutation boundary needs of the subgraph it runs in. */
export interface ScopeRuntime {
  /** The subgraph's name: the `source` of its events. */
  source: string;
  pubsub: PubSub;
  /** Called after a commit that wrote outbox rows: the relay sends them now instead of at its next sweep. */
  outboxWritten(): void;
  /** The connections' `statement_timeout`: a deadline only ever shortens it. */
  statementTimeoutMs?: number;
}

export interface Outbox {
  /** Queue a domain event; it is written in the mutation's transaction. Returns the event id. */
  add(topic: string, payload: unknown): string;
}

export interface LivePublisher {
  /** Queue a live event (Redis pub/sub); it is published only after the mutation commits. */
  publish(channel: string, payload: unknown): void;
}

/**
 * Everything a service needs, as one object: resolvers, stream consumers and jobs all build
 * one (`createScope`), and `mutate(scope, work)` hands `work` the same shape bound to its
 * transaction. Outside `mutate`, `outbox`, `live` and `audit` refuse to work: no write goes
 * around the boundary.
 */
export interface Scope {
  readonly principal: Principal | null;
  readonly em: EntityManager;
  readonly outbox: Outbox;
  readonly live: LivePublisher;
  /** Record the audit entry of this write (`audit.recorded`, in the same transaction). */
  readonly audit: (entry: AuditInput) => void;
  /**
   * Run `hook` once the mutation has committed, before `mutate` returns (e.g. accounts' membership
   * projection). Best effort like live events: a failure is logged, never undoes the commit.
   */
  readonly afterCommit: (hook: () => Promise<unknown> | unknown) => void;
  readonly log: Logger;
  readonly clock: Clock;
  readonly request: RequestInfo;
  readonly runtime: ScopeRuntime;
  /** Set inside `mutate`: nested calls join the open transaction. */
  readonly inTransaction: boolean;
  /** How many mutations this scope has committed: the Mutation guard checks every mutation made one. */
  readonly committed: { count: number };
}

const outsideBoundary = (what: string) => () => {
  throw new Error(`${what} is only available inside mutate(scope, work)`);
};

export function createScope(init: {
  principal: Principal | null;
  em: EntityManager;
  log: Logger;
  clock: Clock;
  request: RequestInfo;
  runtime: ScopeRuntime;
}): Scope {
  return {
    ...init,
    outbox: { add: outsideBoundary('outbox.add') },
    live: { publish: outsideBoundary('live.publish') },
    audit: outsideBoundary('audit'),
    afterCommit: outsideBoundary('afterCommit'),
    inTransaction: false,
    committed: { count: 0 },
  };
}
