import { randomUUID } from 'node:crypto';
import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

@Entity({ tableName: 'metric_points' })
export class MetricPointEntity {
  @PrimaryKey({ type: 'uuid' })
  id: string = randomUUID();

  @Property({ type: 'uuid' })
  orgId!: string;

  @Property({ type: 'string', length: 200 })
  name!: string;

  @Property({ type: 'double' })
  value!: number;

  @Property({ type: 'json', nullable: true })
  labels: Record<string, string> | null = null;

  @Property({ type: 'datetime' })
  at!: Date;

  /** accounts user id; plain id, never a foreign key across subgraphs */
  @Property({ type: 'uuid', nullable: true })
  recordedBy: string | null = null;
}
