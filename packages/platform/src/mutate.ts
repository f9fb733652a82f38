import { randomUUID } from 'node:crypto';
import { actorOf, diffChanges, type AuditInput, type AuditRecorded } from './events/audit';
import { Topic } from './events/event';
import { OutboxEntity } from './events/outbox.entity';
import type { Scope } from './scope';
import { deadlineExceeded } from './errors';
import type { EntityManager } from '@mikro-orm/postgresql';

export interface MutateOptions {
  /**
   * Telemetry ingestion (metric points, usage events, exposures, outcomes) is counted in
   * metrics, not audited per call; every other write records exactly what it did.
   */
  audit?: boolean;
}

/**
 * No statement of this transaction may run past the deadline, and PostgreSQL rolls it back if
 * the connection goes quiet until then (a COMMIT that arrives late is never applied): both
 * timeouts set to the time left, for this transaction only, never longer than configured.
 */
async function boundByDeadline(em: EntityManager, deadline: number, statementTimeoutMs = Infinity) {
  const left = Math.max(1, Math.min(deadline - Date.now(), statementTimeoutMs));
  const ms = String(Math.ceil(left));
  await em.execute(`select set_config('statement_timeout', ?, true), set_config('idle_in_transaction_session_timeout', ?, true)`, [ms, ms]);
}

function auditRecord(scope: Scope, entry: AuditInput): AuditRecorded {
  const actor = entry.actor ?? actorOf(scope.principal);
  return {
    action: entry.action,
    actorKind: actor.kind,
    actorId: actor.id,
    orgId: entry.orgId !== undefined ? entry.orgId : (scope.principal?.org ?? null),
    targetType: entry.target.type,
    targetId: entry.target.id,
    changes: diffChanges(entry.before, entry.after),
    requestId: scope.request.id,
    ip: scope.request.ip,
    at: scope.clock.now().toISOString(),
  };
}

/**
 * The mutation boundary: `work` runs in one transaction with an outbox and an audit recorder
 * bound to it. Its outbox rows (the audit event among them) commit with the change or not at
 * all; live events are published only after the commit. A write that forgets its audit entry
 * is rolled back, so the audit log cannot silently miss one.
 */
export async function mutate<T>(scope: Scope, work: (tx: Scope) => Promise<T>, options: MutateOptions = {}): Promise<T> {
  if (scope.inTransaction) return work(scope);
  const { deadline } = scope.request;
  if (deadline !== undefined && Date.now() >= deadline) throw deadlineExceeded();
  const live: Array<[string, unknown]> = [];
  const afterCommit: Array<() => Promise<unknown> | unknown> = [];
  let events = 0;
  const result = await scope.em.transactional(async (em) => {
    if (deadline !== undefined) await boundByDeadline(em, deadline, scope.runtime.statementTimeoutMs);
    const rows: OutboxEntity[] = [];
    let audits = 0;
    const add = (topic: string, payload: unknown) => {
      const id = randomUUID();
      rows.push({ id, topic, payload, requestId: scope.request.id, occurredAt: scope.clock.now(), sentAt: null });
      return id;
    };
    const tx: Scope = {
      ...scope,
      em,
      inTransaction: true,
      outbox: { add },
      live: { publish: (channel, payload) => void live.push([channel, payload]) },
      afterCommit: (hook) => void afterCommit.push(hook),
      audit: (entry) => {
        audits++;
        add(Topic.AUDIT_RECORDED, auditRecord(scope, entry));
      },
    };
    const value = await work(tx);
    if (options.audit !== false && audits === 0)
      throw new Error('This mutation recorded no audit entry (scope.audit) and is not telemetry');
    // The change first, then its events: both commit together or not at all.
    await em.flush();
    if (rows.length) await em.insertMany(OutboxEntity, rows);
    events = rows.length;
    // The caller has given up (the gateway answered SERVICE_UNAVAILABLE): committing now would
    // store a write its client believes failed, and a retry would store it twice.
    if (deadline !== undefined && Date.now() >= deadline) throw deadlineExceeded();
    return value;
  });
  scope.committed.count++;
  if (events) scope.runtime.outboxWritten();
  // Best effort and after the commit: a subscriber never sees a rolled-back write, and a Redis
  // outage costs live subscribers an event but never the stored write (PubSub.publish never throws).
  await Promise.all(live.map(([channel, payload]) => scope.runtime.pubsub.publish(channel, payload)));
  for (const hook of afterCommit) {
    try {
      await hook();
    } catch (err) {
      scope.log.warn({ err }, 'after-commit hook failed');
    }
  }
  return result;
}
