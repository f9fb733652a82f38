import {
  connectionFrom,
  keyset,
  pageSize,
  parseId,
  type AuditRecorded,
  type Connection,
  type DomainEvent,
  type Scope,
} from '@lattice/platform';
import { AuditEntryEntity } from '../entities/audit-entry.entity';
import { policy } from '../policy';
import type { AuditLogFilter } from '../schema/audit-entry.type';

/** Newest first: (at, id) descending, the order of the (org_id, at desc, id desc) index. */
const AUDIT_CURSOR = keyset(['date', 'uuid']);

/** The `audit.recorded` consumer's work: one row per event, in the consumer's transaction. */
export async function storeAuditEntry(tx: Scope, event: DomainEvent<AuditRecorded>): Promise<void> {
  const p = event.payload;
  await tx.em.insert(AuditEntryEntity, {
    id: event.id,
    at: new Date(p.at),
    orgId: p.orgId,
    action: p.action,
    actorKind: p.actorKind,
    actorId: p.actorId,
    targetType: p.targetType,
    targetId: p.targetId,
    changes: p.changes,
    requestId: p.requestId,
    ip: p.ip,
    source: event.source,
  });
}

/** One page of the active organization's audit log, newest first, with one extra row telling whether more follow. */
export async function listAuditLog(
  scope: Scope,
  filter: AuditLogFilter | null | undefined,
  page: { first?: number | null; after?: string | null },
): Promise<Connection<AuditEntryEntity>> {
  const { org } = policy.authorizeOrg(scope.principal, 'audit:read');
  const size = pageSize(page.first);
  const after = AUDIT_CURSOR.decode(page.after);
  const qb = scope.em
    .createQueryBuilder(AuditEntryEntity, 'a')
    .select('*')
    .where({ orgId: org })
    .orderBy({ at: 'desc', id: 'desc' })
    .limit(size + 1); // one extra row tells whether more follow
  if (filter?.actorId) qb.andWhere({ actorId: parseId(filter.actorId, ['filter', 'actorId']) });
  if (filter?.action) qb.andWhere({ action: filter.action });
  if (filter?.targetType) qb.andWhere({ targetType: filter.targetType });
  if (filter?.targetId) qb.andWhere({ targetId: filter.targetId });
  if (filter?.from) qb.andWhere({ at: { $gte: filter.from } });
  if (filter?.to) qb.andWhere({ at: { $lt: filter.to } });
  if (after) qb.andWhere('(a.at, a.id) < (?, ?)', after);
  return connectionFrom(await qb.getResultList(), size, (a) => AUDIT_CURSOR.encode([a.at, a.id]));
}
