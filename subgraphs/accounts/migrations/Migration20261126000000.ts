import { Migration } from '@mikro-orm/migrations';

/**
 * Sign-up and log-in look users up by `email = ?`, which the unique index on lower(email)
 * could not serve (a sequential scan per log-in). Emails are stored lower-cased: a check
 * says so, and a plain unique index then gives the same guarantee and serves the lookup.
 */
export class Migration20261126000000 extends Migration {
  async up(): Promise<void> {
    this.addSql(`alter table "accounts"."users" add constraint "users_email_lower_case" check ("email" = lower("email"))`);
    this.addSql(`create unique index "users_email_unique" on "accounts"."users" ("email")`);
    this.addSql(`drop index "accounts"."users_email_key"`);
  }

  async down(): Promise<void> {
    this.addSql(`create unique index "users_email_key" on "accounts"."users" (lower("email"))`);
    this.addSql(`drop index "accounts"."users_email_unique"`);
    this.addSql(`alter table "accounts"."users" drop constraint "users_email_lower_case"`);
  }
}
