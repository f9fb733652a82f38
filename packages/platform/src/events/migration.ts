/**
 * DDL of the event tables every subgraph owns, for its migrations (one call per schema), so the
 * four schemas cannot drift apart.
 */
export const eventTablesSql = (schema: string): string[] => [
  `create table "${schema}"."outbox" (
    "id" uuid primary key,
    "topic" text not null,
    "payload" jsonb not null,
    "request_id" text null,
    "occurred_at" timestamptz not null,
    "sent_at" timestamptz null
  )`,
  // The relay reads unsent rows oldest first; the partial index stays as small as the backlog.
  `create index "outbox_unsent_idx" on "${schema}"."outbox" ("occurred_at", "id") where "sent_at" is null`,
  `create index "outbox_sent_at_idx" on "${schema}"."outbox" ("sent_at") where "sent_at" is not null`,
  `create table "${schema}"."processed_events" (
    "consumer" text not null,
    "event_id" uuid not null,
    "processed_at" timestamptz not null default now(),
    primary key ("consumer", "event_id")
  )`,
];
