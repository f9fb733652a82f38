import { BaseEntity, type OrgRole } from '@lattice/platform';
import { Entity, Property } from '@mikro-orm/core';

/** One per (user, organization). */
@Entity({ tableName: 'memberships' })
export class MembershipEntity extends BaseEntity {
  @Property({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'uuid' })
  orgId!: string;

  @Property({ type: 'text' })
  role!: OrgRole;
}
