import { Migration } from '@mikro-orm/migrations';

/**
 * Plans, their limits and subscriptions, with the plans the product needs seeded here
 * (ARCHITECTURE "Seed data"). Plan ids are fixed so every environment agrees on them;
 * the free plan's id is FREE_PLAN_ID in src/services/plan.service.ts.
 */
export class Migration20261125000000 extends Migration {
  async up(): Promise<void> {
    this.addSql(`create schema if not exists "billing"`);
    this.addSql(`
      create table "billing"."plans" (
        "id" uuid primary key,
        "key" text not null unique check ("key" in ('free', 'pro', 'enterprise')),
        "name" text not null,
        "price_cents" int not null check ("price_cents" >= 0),
        "currency" char(3) not null default 'USD',
        "interval" text not null check ("interval" in ('MONTH', 'YEAR')),
        "stripe_price_id" text null,
        "sort_order" int not null
      )`);
    this.addSql(`
      create table "billing"."plan_limits" (
        "plan_id" uuid not null references "billing"."plans" ("id") on delete cascade,
        "feature" text not null check ("feature" in ('prompt_runs', 'tokens', 'seats', 'api_calls')),
        "limit" int null check ("limit" >= 0),
        primary key ("plan_id", "feature")
      )`);
    this.addSql(`
      create table "billing"."subscriptions" (
        "id" uuid primary key,
        "org_id" uuid not null unique,
        "plan_id" uuid not null references "billing"."plans" ("id"),
        "status" text not null check ("status" in
          ('TRIALING', 'ACTIVE', 'PAST_DUE', 'CANCELED', 'INCOMPLETE', 'INCOMPLETE_EXPIRED', 'UNPAID', 'PAUSED')),
        "current_period_end" timestamptz null,
        "cancel_at_period_end" boolean not null default false,
        "created_at" timestamptz not null default now(),
        "updated_at" timestamptz not null default now()
      )`);
    this.addSql(`
      insert into "billing"."plans" ("id", "key", "name", "price_cents", "currency", "interval", "sort_order") values
        ('00000000-0000-4000-8000-000000000001', 'free', 'Free', 0, 'USD', 'MONTH', 1),
        ('00000000-0000-4000-8000-000000000002', 'pro', 'Pro', 4900, 'USD', 'MONTH', 2),
        ('00000000-0000-4000-8000-000000000003', 'enterprise', 'Enterprise', 49900, 'USD', 'MONTH', 3)`);
    // "limit" null = unlimited
    this.addSql(`
      insert into "billing"."plan_limits" ("plan_id", "feature", "limit") values
        ('00000000-0000-4000-8000-000000000001', 'prompt_runs', 100),
        ('00000000-0000-4000-8000-000000000001', 'tokens', 100000),
        ('00000000-0000-4000-8000-000000000001', 'seats', 3),
        ('00000000-0000-4000-8000-000000000001', 'api_calls', 1000),
        ('00000000-0000-4000-8000-000000000002', 'prompt_runs', 10000),
        ('00000000-0000-4000-8000-000000000002', 'tokens', 10000000),
        ('00000000-0000-4000-8000-000000000002', 'seats', 20),
        ('00000000-0000-4000-8000-000000000002', 'api_calls', 100000),
        ('00000000-0000-4000-8000-000000000003', 'prompt_runs', null),
        ('00000000-0000-4000-8000-000000000003', 'tokens', null),
        ('00000000-0000-4000-8000-000000000003', 'seats', null),
        ('00000000-0000-4000-8000-000000000003', 'api_calls', null)`);
  }
}
