import { Migration } from '@mikro-orm/migrations';

export class Migration20261125000000 extends Migration {
  async up(): Promise<void> {
    this.addSql(`create schema if not exists "monitoring"`);
    this.addSql(`
      create table "monitoring"."metric_points" (
        "id" uuid primary key,
        "org_id" uuid not null,
        "name" varchar(200) not null,
        "value" double precision not null,
        "labels" jsonb null,
        "at" timestamptz not null,
        "recorded_by" uuid null
      )`);
    this.addSql(`create index "metric_points_org_name_at_idx" on "monitoring"."metric_points" ("org_id", "name", "at")`);
  }
}
