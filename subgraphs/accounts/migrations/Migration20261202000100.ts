import { Migration } from '@mikro-orm/migrations';

/**
 * The audit log: one row per `audit.recorded` event from any subgraph, keyed by the event id so
 * a redelivered event cannot be stored twice. Read newest first per organization, optionally by
 * actor, action or target.
 */
export class Migration20261202000100 extends Migration {
  async up(): Promise<void> {
    this.addSql(`
      create table "accounts"."audit_entries" (
        "id" uuid primary key,
        "at" timestamptz not null,
        "org_id" uuid null,
        "action" text not null,
        "actor_kind" text not null check ("actor_kind" in ('USER', 'API_KEY', 'SERVICE')),
        "actor_id" uuid null,
        "target_type" text not null,
        "target_id" text null,
        "changes" jsonb null,
        "request_id" text null,
        "ip" text null,
        "source" text not null
      )`);
    this.addSql(`create index "audit_entries_org_at_idx" on "accounts"."audit_entries" ("org_id", "at" desc, "id" desc)`);
    this.addSql(`create index "audit_entries_org_actor_at_idx" on "accounts"."audit_entries" ("org_id", "actor_id", "at" desc, "id" desc)`);
    this.addSql(`create index "audit_entries_org_target_idx" on "accounts"."audit_entries" ("org_id", "target_type", "target_id")`);
  }
}
