import type { ActorKind } from '@lattice/platform';
import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/** One mutation in any subgraph, as its `audit.recorded` event described it; the id is the event's. */
@Entity({ tableName: 'audit_entries' })
export class AuditEntryEntity {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'datetime' })
  at!: Date;

  @Property({ type: 'uuid', nullable: true })
  orgId!: string | null;

  @Property({ type: 'text' })
  action!: string;

  @Property({ type: 'text' })
  actorKind!: ActorKind;

  @Property({ type: 'uuid', nullable: true })
  actorId!: string | null;

  @Property({ type: 'text' })
  targetType!: string;

  @Property({ type: 'text', nullable: true })
  targetId!: string | null;

  @Property({ type: 'json', nullable: true })
  changes!: Record<string, { before: unknown; after: unknown }> | null;

  @Property({ type: 'text', nullable: true })
  requestId!: string | null;

  @Property({ type: 'text', nullable: true })
  ip!: string | null;

  /** The subgraph that made the change. */
  @Property({ type: 'text' })
  source!: string;
}
