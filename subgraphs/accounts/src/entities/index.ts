import { AuditEntryEntity } from './audit-entry.entity';
import { MembershipEntity } from './membership.entity';
import { OrganizationEntity } from './organization.entity';
import { SessionEntity } from './session.entity';
import { UserEntity } from './user.entity';

export { AuditEntryEntity, MembershipEntity, OrganizationEntity, SessionEntity, UserEntity };

/** Every entity of this subgraph, for the ORM's explicit list. */
export const entities = [UserEntity, OrganizationEntity, MembershipEntity, SessionEntity, AuditEntryEntity];
