import { randomUUID } from 'node:crypto';
import { Entity, OptionalProps, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import type { OrgRole } from '@lattice/platform';

@Entity({ tableName: 'memberships' })
@Unique({ properties: ['userId', 'orgId'] })
export class MembershipEntity {
  [OptionalProps]?: 'createdAt';

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid' })
  userId!: string;

  @Property({ type: 'uuid' })
  orgId!: string;

  @Property({ type: 'text' })
  role!: OrgRole;

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();
}
