import { BaseEntity } from '@lattice/platform';
import { Entity, Property } from '@mikro-orm/core';

@Entity({ tableName: 'users' })
export class UserEntity extends BaseEntity<'updatedAt' | 'lastOrgId'> {
  /** Stored lower-cased (a check constraint says so); unique. */
  @Property({ type: 'string', length: 320 })
  email!: string;

  @Property({ type: 'string', length: 100 })
  name!: string;

  @Property({ type: 'text', hidden: true, lazy: true })
  passwordHash!: string;

  /** The organization logIn resumes in. */
  @Property({ type: 'uuid', nullable: true })
  lastOrgId: string | null = null;

  @Property({ type: 'datetime', onUpdate: () => new Date() })
  updatedAt: Date = new Date();
}
