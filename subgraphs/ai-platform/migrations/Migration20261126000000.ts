import { Migration } from '@mikro-orm/migrations';

/** The prompt library: prompts and their immutable, numbered versions. */
export class Migration20261126000000 extends Migration {
  async up(): Promise<void> {
    this.addSql(`create schema if not exists "ai"`);
    this.addSql(`
      create table "ai"."prompts" (
        "id" uuid primary key,
        "org_id" uuid not null,
        "name" varchar(200) not null,
        "description" text null,
        "created_by" uuid null,
        "created_at" timestamptz not null,
        "archived_at" timestamptz null
      )`);
    // Names are unique per organization regardless of case ("Greeting" and "greeting" clash).
    this.addSql(`create unique index "prompts_org_id_lower_name_unique" on "ai"."prompts" ("org_id", lower("name"))`);
    // Serves the keyset-paginated list: newest first, id breaking ties.
    this.addSql(`create index "prompts_org_id_created_at_id_idx" on "ai"."prompts" ("org_id", "created_at" desc, "id" desc)`);
    this.addSql(`
      create table "ai"."prompt_versions" (
        "id" uuid primary key,
        "prompt_id" uuid not null references "ai"."prompts" ("id") on delete cascade,
        "version" int not null check ("version" >= 1),
        "template" text not null,
        "created_by" uuid null,
        "created_at" timestamptz not null,
        constraint "prompt_versions_prompt_id_version_unique" unique ("prompt_id", "version")
      )`);
  }
}
