import { randomUUID } from 'node:crypto';
import { Entity, ManyToOne, PrimaryKey, Property, Unique } from '@mikro-orm/core';
import { PromptEntity } from './prompt.entity';

/** One immutable version of a prompt; the highest number is the latest. */
@Entity({ tableName: 'prompt_versions' })
@Unique({ name: 'prompt_versions_prompt_id_version_unique', properties: ['prompt', 'version'] })
export class PromptVersionEntity {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  // A relation (not a plain id) so the unit of work inserts the prompt before its versions.
  @ManyToOne({ entity: () => PromptEntity, deleteRule: 'cascade' })
  prompt!: PromptEntity;

  @Property({ type: 'integer' })
  version!: number;

  @Property({ type: 'text' })
  template!: string;

  /** accounts user id; plain id, never a foreign key across subgraphs */
  @Property({ type: 'uuid', nullable: true })
  createdBy: string | null = null;

  @Property({ type: 'datetime' })
  createdAt!: Date;
}
