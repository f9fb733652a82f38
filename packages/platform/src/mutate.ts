import { randomUUID } from 'node:crypto';
import { actorOf, diffChanges, type AuditInput, type AuditRecorded } from './events/audit';
import { Topic } from './events/event';
import { OutboxEntity } from './events/outbox.entity';
import type { Scope } from './scope';

export interface MutateOptions {
  /**
   * Telemetry ingestion (metric points, usage events, exposures, outcomes) is counted in
   * metrics, not audited per call; every other write records exactly what it did.
   */
  audit?: boolean;
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
  const live: Array<[string, unknown]> = [];
  let events = 0;
  const result = await scope.em.transactional(async (em) => {
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
      audit: (entry) => {
        audits++;
        add(Topic.AUDIT_RECORDED, auditRecord(scope, entry));
      },
    };
    const value = await work(tx);
    if (options.audit !== false && audits === 0) throw new Error('This mutation recorded no audit entry (scope.audit) and is not telemetry');
    // The change first, then its events: both commit together or not at all.
    await em.flush();
    if (rows.length) await em.insertMany(OutboxEntity, rows);
    events = rows.length;
    return value;
  });
  scope.committed.count++;
  if (events) scope.runtime.outboxWritten();
  // Best effort and after the commit: a subscriber never sees a rolled-back write, and a Redis
  // outage costs live subscribers an event but never the stored write (PubSub.publish never throws).
  await Promise.all(live.map(([channel, payload]) => scope.runtime.pubsub.publish(channel, payload)));
  return result;
}
