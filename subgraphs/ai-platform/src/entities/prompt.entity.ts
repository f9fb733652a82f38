import { randomUUID } from 'node:crypto';
import { Entity, Index, PrimaryKey, Property, Unique } from '@mikro-orm/core';

/** Names of the constraints the service tells apart (the migration creates them). */
export const PROMPT_NAME_UNIQUE = 'prompts_org_id_lower_name_unique';

@Entity({ tableName: 'prompts' })
@Unique({ name: PROMPT_NAME_UNIQUE, expression: 'create unique index "prompts_org_id_lower_name_unique" on "ai"."prompts" ("org_id", lower("name"))' })
@Index({ name: 'prompts_org_id_created_at_id_idx', expression: 'create index "prompts_org_id_created_at_id_idx" on "ai"."prompts" ("org_id", "created_at" desc, "id" desc)' })
export class PromptEntity {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid' })
  orgId!: string;

  @Property({ type: 'string', length: 200 })
  name!: string;

  @Property({ type: 'text', nullable: true })
  description: string | null = null;

  /** accounts user id; plain id, never a foreign key across subgraphs */
  @Property({ type: 'uuid', nullable: true })
  createdBy: string | null = null;

  /** Set by the service, not by the database: millisecond precision, so keyset cursors round-trip exactly. */
  @Property({ type: 'datetime' })
  createdAt!: Date;

  @Property({ type: 'datetime', nullable: true })
  archivedAt: Date | null = null;
}
