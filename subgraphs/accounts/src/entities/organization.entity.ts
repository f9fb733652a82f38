import { BaseEntity } from '@lattice/platform';
import { Entity, Property } from '@mikro-orm/core';

@Entity({ tableName: 'organizations' })
export class OrganizationEntity extends BaseEntity {
  @Property({ type: 'string', length: 100 })
  name!: string;

  /** Unique. */
  @Property({ type: 'string', length: 120 })
  slug!: string;
}
