import { Entity, PrimaryKey, Property } from '@mikro-orm/core';

/**
 * One domain event, written in the transaction of the change that caused it; the relay appends
 * it to the topic's Redis Stream and sets `sentAt`. No schema here: each subgraph's ORM maps it
 * into its own schema (ARCHITECTURE "Data and events").
 */
@Entity({ tableName: 'outbox' })
export class OutboxEntity {
  @PrimaryKey({ type: 'uuid' })
  id!: string;

  @Property({ type: 'text' })
  topic!: string;

  @Property({ type: 'json' })
  payload!: unknown;

  @Property({ type: 'text', nullable: true })
  requestId!: string | null;

  @Property({ type: 'datetime' })
  occurredAt!: Date;

  @Property({ type: 'datetime', nullable: true })
  sentAt!: Date | null;
}

/** Events a consumer group has applied, written in the consumer's own transaction: a redelivery is a no-op. */
@Entity({ tableName: 'processed_events' })
export class ProcessedEventEntity {
  @PrimaryKey({ type: 'text' })
  consumer!: string;

  @PrimaryKey({ type: 'uuid' })
  eventId!: string;

  @Property({ type: 'datetime' })
  processedAt!: Date;
}

export const eventEntities = [OutboxEntity, ProcessedEventEntity];
