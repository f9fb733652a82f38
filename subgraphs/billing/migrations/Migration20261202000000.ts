import { eventTablesSql } from '@lattice/platform';
import { Migration } from '@mikro-orm/migrations';

/** The outbox and processed-events tables every subgraph owns (ARCHITECTURE "Data and events"). */
export class Migration20261202000000 extends Migration {
  async up(): Promise<void> {
    for (const sql of eventTablesSql('billing')) this.addSql(sql);
  }
}
