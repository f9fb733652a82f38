import { Topic, type AuditRecorded, type DomainEvent, type EventHandler, type SubgraphRuntime } from '@lattice/platform';
import type { Deps } from './context';
import { storeAuditEntry } from './services/audit.service';
import { MEMBERSHIPS_CHANGED, MEMBERSHIPS_GROUP, projectOnChange } from './services/membership-projection';

/** The audit log is fed by every subgraph's `audit.recorded` events, through accounts' consumer group. */
export const AUDIT_GROUP = 'accounts.audit';
export const applyAuditEvent: EventHandler = (event, tx) => storeAuditEntry(tx, event as DomainEvent<AuditRecorded>);

export async function startWorkers(runtime: SubgraphRuntime, deps: Deps): Promise<void> {
  await runtime.consume({ topic: Topic.AUDIT_RECORDED, group: AUDIT_GROUP, handle: applyAuditEvent });
  // The membership projection is written right after each commit; this writes it again should that have failed.
  await runtime.consume({ topic: MEMBERSHIPS_CHANGED, group: MEMBERSHIPS_GROUP, handle: projectOnChange(deps.memberships) });
}
