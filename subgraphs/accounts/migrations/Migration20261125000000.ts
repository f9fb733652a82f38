import { Migration } from '@mikro-orm/migrations';

export class Migration20261125000000 extends Migration {
  async up(): Promise<void> {
    this.addSql(`create schema if not exists "accounts"`);
    this.addSql(`
      create table "accounts"."users" (
        "id" uuid primary key,
        "email" varchar(320) not null,
        "name" varchar(100) not null,
        "password_hash" text not null,
        "last_org_id" uuid null,
        "created_at" timestamptz not null default now(),
        "updated_at" timestamptz not null default now()
      )`);
    this.addSql(`create unique index "users_email_key" on "accounts"."users" (lower("email"))`);
    this.addSql(`
      create table "accounts"."organizations" (
        "id" uuid primary key,
        "name" varchar(100) not null,
        "slug" varchar(120) not null unique,
        "created_at" timestamptz not null default now()
      )`);
    this.addSql(`
      create table "accounts"."memberships" (
        "id" uuid primary key,
        "user_id" uuid not null references "accounts"."users" ("id") on delete cascade,
        "org_id" uuid not null references "accounts"."organizations" ("id") on delete cascade,
        "role" text not null check ("role" in ('OWNER', 'ADMIN', 'MEMBER', 'VIEWER')),
        "created_at" timestamptz not null default now(),
        unique ("user_id", "org_id")
      )`);
    this.addSql(`create index "memberships_org_idx" on "accounts"."memberships" ("org_id")`);
    this.addSql(`
      create table "accounts"."sessions" (
        "id" uuid primary key,
        "user_id" uuid not null references "accounts"."users" ("id") on delete cascade,
        "active_org_id" uuid null,
        "refresh_token_hash" char(64) not null unique,
        "previous_token_hash" char(64) null,
        "expires_at" timestamptz not null,
        "created_at" timestamptz not null default now(),
        "last_used_at" timestamptz not null default now(),
        "revoked_at" timestamptz null
      )`);
    this.addSql(`create index "sessions_user_idx" on "accounts"."sessions" ("user_id")`);
    this.addSql(`create index "sessions_previous_token_idx" on "accounts"."sessions" ("previous_token_hash")`);
  }
}
