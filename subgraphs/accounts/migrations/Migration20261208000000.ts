import { Migration } from '@mikro-orm/migrations';

/**
 * The version of a user's memberships: every transaction that changes them increments it (and so
 * locks the user's row until it commits). The membership projection in Redis carries it, so an
 * older projection never replaces a newer one, whatever order the writes arrive in.
 */
export class Migration20261208000000 extends Migration {
  async up(): Promise<void> {
    this.addSql(`alter table "accounts"."users" add column "memberships_version" integer not null default 0`);
  }
}
