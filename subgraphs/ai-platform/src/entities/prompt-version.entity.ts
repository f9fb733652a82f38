import { BaseEntity } from '@lattice/platform';
import { Entity, ManyToOne, Property } from '@mikro-orm/core';
import { PromptEntity } from './prompt.entity';

/** One immutable version of a prompt; the highest number is the latest (unique per prompt). */
@Entity({ tableName: 'prompt_versions' })
export class PromptVersionEntity extends BaseEntity {
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
}
