import { buildSubgraphSchema } from '@apollo/subgraph';
import { Migration } from '@mikro-orm/migrations';
import { parse } from 'graphql';
import { dropTestDatabase, testConfig } from '@lattice/testing';
import {
  createRedis,
  createSubgraphServer,
  eventTablesSql,
  MAINTENANCE_EVERY_MS,
  MAINTENANCE_JOB,
  mutate,
  streamKey,
  type Config,
  type DomainEvent,
  type SubgraphDefinition,
  type SubgraphServer,
} from '../src';
import { eventually, logger } from './events-fixture';

class RuntimeTables extends Migration {
  async up(): Promise<void> {
    this.addSql(`create schema if not exists "runtime_test"`);
    for (const sql of eventTablesSql('runtime_test')) this.addSql(sql);
  }
}

const received: DomainEvent[] = [];
const rawBodies: string[] = [];

const definition: SubgraphDefinition<Record<string, never>, undefined> = {
  name: 'monitoring',
  dbSchema: 'runtime_test',
  entities: [],
  migrations: [{ name: 'Migration00000000000001', class: RuntimeTables }],
  buildSchema: async () => buildSubgraphSchema({ typeDefs: parse('type Query { ok: Boolean }'), resolvers: { Query: { ok: () => true } } }),
  loaders: () => ({}),
  routes(app) {
    app.post('/hooks/raw', async (req, res) => {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      rawBodies.push(Buffer.concat(chunks).toString('utf8'));
      res.status(202).json({ bytes: Buffer.concat(chunks).length });
    });
  },
  async workers(runtime) {
    await runtime.consume({ topic: 'rt.ping', group: 'pings', handle: async (event) => void received.push(event) });
  },
};

let config: Config;
let server: SubgraphServer;
let base: string;

beforeAll(async () => {
  config = await testConfig();
  server = await createSubgraphServer(definition, config);
  const { port } = await server.start(0, '127.0.0.1');
  base = `http://127.0.0.1:${port}`;
});

afterAll(async () => {
  await server.stop();
  const redis = createRedis(config.REDIS_URL, logger);
  const keys = await redis.keys(`${config.REDIS_PREFIX}*`);
  if (keys.length) await redis.del(...keys);
  await redis.quit();
  await dropTestDatabase(config);
});

const sql = <T>(query: string) => server.runtime.orm.em.fork().execute<T[]>(query);

test('an event written by a mutation wakes the relay and reaches a consumer the subgraph registered', async () => {
  const wake = jest.spyOn(server.runtime.relay, 'wake');
  const scope = server.runtime.scope(null);
  const id = await mutate(scope, async (tx) => tx.outbox.add('rt.ping', { hello: 'world' }), { audit: false });

  expect(wake).toHaveBeenCalledTimes(1);
  wake.mockRestore();
  await eventually(
    () => received.length,
    (n) => n === 1,
    5000,
  );
  expect(received[0]).toMatchObject({ id, topic: 'rt.ping', payload: { hello: 'world' }, source: 'monitoring' });
  const [row] = await sql<{ sent: boolean }>(`select sent_at is not null as sent from "runtime_test"."outbox"`);
  expect(row!.sent).toBe(true);
});

test('routes added by the definition get the raw request body, not one parsed by express.json', async () => {
  const body = '{ "signed":  "exactly these bytes" }';
  const res = await fetch(`${base}/hooks/raw`, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
  expect(res.status).toBe(202);
  expect(await res.json()).toEqual({ bytes: Buffer.byteLength(body) });
  expect(rawBodies).toEqual([body]);
});

test('the maintenance job is scheduled once, and trims consumed streams and purges old sent rows', async () => {
  const schedulers = await server.runtime.jobs.queue.getJobSchedulers();
  expect(schedulers.map((s) => [s.key, s.every])).toEqual([[MAINTENANCE_JOB, MAINTENANCE_EVERY_MS]]);

  await eventually(
    async () =>
      ((await server.runtime.redis.xpending(streamKey(config.REDIS_PREFIX, 'rt.ping'), `${config.REDIS_PREFIX}pings`)) as [number])[0],
    (n) => n === 0,
  );
  await server.runtime.orm.em.fork().execute(`update "runtime_test"."outbox" set sent_at = now() - interval '2 days'`);
  const report = await server.runtime.maintain();
  expect(report).toEqual({ topics: ['rt.ping'], trimmed: 1, purged: 1 });
  expect(await server.runtime.redis.xlen(streamKey(config.REDIS_PREFIX, 'rt.ping'))).toBe(0);
});

test('/metrics shows the relay lag as unsent outbox rows', async () => {
  await server.runtime.relay.stop(); // keep the row unsent for the reading
  await server.runtime.orm.em
    .fork()
    .execute(
      `insert into "runtime_test"."outbox" (id, topic, payload, occurred_at) values ('00000000-0000-4000-8000-000000000001', 'rt.lag', '{}', now() - interval '3 seconds')`,
    );
  const text = await (await fetch(`${base}/metrics`)).text();
  expect(text).toMatch(/^lattice_outbox_unsent\{service="monitoring"\} 1$/m);
  const age = Number(/^lattice_outbox_oldest_unsent_seconds\{service="monitoring"\} (\S+)$/m.exec(text)?.[1]);
  expect(age).toBeGreaterThanOrEqual(3);
});

test('stop closes everything the runtime opened', async () => {
  const { disposables, redis } = server.runtime;
  expect(disposables.size).toBeGreaterThanOrEqual(6); // database, redis, pubsub, relay, jobs, consumer
  await server.stop();
  expect(disposables.size).toBe(0);
  expect(redis.status).toBe('end');
});
