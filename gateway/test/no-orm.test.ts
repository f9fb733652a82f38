import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/**
 * The gateway imports `@lattice/platform/core` only: requiring it (the built entry point, in a
 * fresh process, as `npm start` runs it) must load no ORM, no PostgreSQL driver, no type-graphql.
 */
test('requiring the gateway loads no @mikro-orm, pg, knex or type-graphql module', () => {
  const entry = join(__dirname, '../dist/gateway.js');
  const script = `require(${JSON.stringify(entry)});
    const loaded = Object.keys(require.cache).filter((f) => /node_modules\\/(@mikro-orm|pg|pg-pool|knex|type-graphql|class-validator)\\//.test(f));
    const platform = Object.keys(require.cache).filter((f) => f.includes('/packages/platform/'));
    process.stdout.write(JSON.stringify({ loaded, platform: platform.length }));`;
  const { loaded, platform } = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }));
  expect(loaded).toEqual([]);
  expect(platform).toBeGreaterThan(0); // it did load the platform's core
});
