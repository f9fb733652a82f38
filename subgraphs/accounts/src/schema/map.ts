import { mapConnection, type Connection } from '@lattice/platform';
import type { AuditEntryEntity } from '../entities/audit-entry.entity';
import type { MembershipEntity } from '../entities/membership.entity';
import type { OrganizationEntity } from '../entities/organization.entity';
import type { UserEntity } from '../entities/user.entity';
import type { AuditEntryConnection } from '../schema/audit-entry-connection.type';
import type { AuditEntry } from '../schema/audit-entry.type';
import type { Membership } from '../schema/membership.type';
import type { Organization } from '../schema/organization.type';
import type { User } from '../schema/user.type';

/** Entity → GraphQL type, in one place, so a column change never changes the API. */
export const toUser = (u: UserEntity): User => ({ id: u.id, email: u.email, name: u.name, createdAt: u.createdAt });
export const toOrganization = (o: OrganizationEntity): Organization => ({ id: o.id, name: o.name, slug: o.slug, createdAt: o.createdAt });
export const toMembership = (m: MembershipEntity) => ({ role: m.role, userId: m.userId, orgId: m.orgId }) as Membership;
export const toAuditEntry = (a: AuditEntryEntity): AuditEntry => ({
  id: a.id,
  at: a.at,
  action: a.action,
  actorKind: a.actorKind,
  actorId: a.actorId,
  actor: null,
  targetType: a.targetType,
  targetId: a.targetId,
  changes: a.changes,
  requestId: a.requestId,
  ip: a.ip,
});

export const toAuditEntryConnection = (page: Connection<AuditEntryEntity>): AuditEntryConnection => mapConnection(page, toAuditEntry);
