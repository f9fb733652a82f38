import { randomUUID } from 'node:crypto';
import { Migration } from '@mikro-orm/migrations';
import type { MikroORM } from '@mikro-orm/postgresql';
import { dropTestDatabase, testConfig } from '@lattice/testing';
import {
  createLogger,
  createRedis,
  createScope,
  ensureDatabase,
  eventEntities,
  eventTablesSql,
  migrate,
  openDatabase,
  PubSub,
  servicePrincipal,
  systemClock,
  type Config,
  type Redis,
  type Scope,
} from '../src';

export const logger = createLogger('events-test', process.env.TEST_LOG_LEVEL ?? 'silent');
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The event tables of one schema (plus any extra DDL a test needs), as a subgraph's migration would make them. */
const migrationFor = (schema: string, extra: string[]) =>
  class EventTables extends Migration {
    async up(): Promise<void> {
      this.addSql(`create schema if not exists "${schema}"`);
      for (const sql of [...eventTablesSql(schema), ...extra]) this.addSql(sql);
    }
  };

/** A test file's own database and Redis prefix, with ORMs on one schema; `close()` drops it all. */
export async function eventsFixture(schema = 'events_test', extraSql: string[] = []) {
  const config: Config = await testConfig();
  await ensureDatabase(config.DATABASE_URL);
  const orms: MikroORM[] = [];
  const redises: Redis[] = [];
  const openOrm = async () => {
    const orm = await openDatabase(
      config,
      { schema, entities: eventEntities, migrations: [{ name: 'Migration00000000000001', class: migrationFor(schema, extraSql) }] },
      logger,
    );
    orms.push(orm);
    await migrate(orm, schema);
    return orm;
  };
  const orm = await openOrm();
  const redis = createRedis(REDIS_URL, logger);
  redises.push(redis);
  const pubsub = new PubSub(redis, config.REDIS_PREFIX, logger);
  /** A service scope on this ORM, as a subgraph's runtime builds one for its consumers and jobs. */
  const scope = (): Scope =>
    createScope({
      principal: servicePrincipal('events-test'),
      em: orm.em.fork(),
      log: logger,
      clock: systemClock,
      request: { id: randomUUID(), ip: null },
      runtime: { source: 'events-test', pubsub, outboxWritten: () => undefined },
    });
  return {
    config,
    schema,
    prefix: config.REDIS_PREFIX,
    orm,
    redis,
    pubsub,
    scope,
    /** Another ORM (its own pool), as another replica would have. */
    openOrm,
    sql: <T = Record<string, unknown>>(query: string, params: unknown[] = []) => orm.em.fork().execute<T[]>(query, params),
    /** Outbox rows as a committed mutation leaves them, oldest first, one millisecond apart. */
    async insertOutbox(topic: string, count: number, start = Date.now()) {
      const ids: string[] = [];
      for (let i = 0; i < count; i += 500) {
        const rows = Array.from({ length: Math.min(500, count - i) }, (_, j) => ({ id: randomUUID(), n: i + j }));
        ids.push(...rows.map((r) => r.id));
        await orm.em.fork().execute(
          `insert into "${schema}"."outbox" ("id", "topic", "payload", "request_id", "occurred_at") values ${rows.map(() => '(?, ?, ?, ?, ?)').join(', ')}`,
          rows.flatMap((r) => [r.id, topic, JSON.stringify({ n: r.n }), `req-${r.n}`, new Date(start + r.n).toISOString()]),
        );
      }
      return ids;
    },
    async close() {
      // Our keys only: the prefix is this file's own.
      let cursor = '0';
      do {
        const [next, keys] = await redis.scan(cursor, 'MATCH', `${config.REDIS_PREFIX}*`, 'COUNT', 1000);
        if (keys.length) await redis.del(...keys);
        cursor = next;
      } while (cursor !== '0');
      await pubsub.close();
      await Promise.all(redises.map((r) => r.quit()));
      await Promise.all(orms.map((o) => o.close()));
      await dropTestDatabase(config);
    },
  };
}

export type EventsFixture = Awaited<ReturnType<typeof eventsFixture>>;

/** Poll until `read()` satisfies `done`, or fail with its last value. */
export async function eventually<T>(read: () => Promise<T> | T, done: (value: T) => boolean, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms; last value: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
