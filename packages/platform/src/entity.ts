import { randomUUID } from 'node:crypto';
import { OptionalProps, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * What most tables start with: a random uuid `id` and `createdAt`, both set when the object is
 * made (a service may still pass `createdAt`, e.g. from `scope.clock`). Only mapping: the
 * migrations create the columns. Not MikroORM's own `BaseEntity` (no helper methods).
 *
 * `Optional` names the subclass's other properties that have defaults, so `em.create` does not
 * ask for them: `class UserEntity extends BaseEntity<'updatedAt' | 'lastOrgId'>`.
 */
export abstract class BaseEntity<Optional extends string = never> {
  [OptionalProps]?: 'createdAt' | Optional;

  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'datetime' })
  createdAt: Date = new Date();
}
