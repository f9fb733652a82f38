/** The envelope of every domain event, as stored in the outbox and carried on a stream. */
export interface DomainEvent<T = unknown> {
  id: string;
  topic: string;
  payload: T;
  /** ISO time of the change. */
  occurredAt: string;
  /** The subgraph that wrote it. */
  source: string;
  requestId: string | null;
}

/** Topics between subgraphs, written once (ARCHITECTURE "Data and events"). */
export const Topic = {
  AUDIT_RECORDED: 'audit.recorded',
} as const;
export type Topic = (typeof Topic)[keyof typeof Topic];

/** The Redis Stream of a topic; the prefix is explicit, like every key, channel and queue of ours. */
export const streamKey = (prefix: string, topic: string) => `${prefix}stream:${topic}`;
