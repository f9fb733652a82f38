import { BaseEntity } from '@lattice/platform';
import { Entity, Property } from '@mikro-orm/core';

/** Names of the constraints the service tells apart (the migration creates them). */
export const PROMPT_NAME_UNIQUE = 'prompts_org_id_lower_name_unique';

/** `createdAt` is set by the service from the scope's clock: millisecond precision, so keyset cursors round-trip exactly. */
@Entity({ tableName: 'prompts' })
export class PromptEntity extends BaseEntity {
  @Property({ type: 'uuid' })
  orgId!: string;

  @Property({ type: 'string', length: 200 })
  name!: string;

  @Property({ type: 'text', nullable: true })
  description: string | null = null;

  /** accounts user id; plain id, never a foreign key across subgraphs */
  @Property({ type: 'uuid', nullable: true })
  createdBy: string | null = null;

  @Property({ type: 'datetime', nullable: true })
  archivedAt: Date | null = null;
}
