import { Topic, type AuditRecorded, type DomainEvent, type EventHandler, type SubgraphRuntime } from '@lattice/platform';
import { storeAuditEntry } from './services/audit.service';

/** The audit log is fed by every subgraph's `audit.recorded` events, through accounts' consumer group. */
export const AUDIT_GROUP = 'accounts.audit';
export const applyAuditEvent: EventHandler = (event, tx) => storeAuditEntry(tx, event as DomainEvent<AuditRecorded>);

export async function startWorkers(runtime: SubgraphRuntime): Promise<void> {
  await runtime.consume({ topic: Topic.AUDIT_RECORDED, group: AUDIT_GROUP, handle: applyAuditEvent });
}
