import { GraphQLError } from 'graphql';
import type { MikroORM } from '@mikro-orm/postgresql';
import { dropTestDatabase, tcpProxy, testConfig, type TcpProxy } from '@lattice/testing';
import {
  createErrorFormatter,
  createLogger,
  ensureDatabase,
  eventEntities,
  openDatabase,
  unavailableDependency,
  type Config,
} from '../src';

/**
 * The database pool's bounds (openDatabase): PostgreSQL's statement_timeout, a watchdog for
 * answers that never come (a database behind a network that drops everything), and the wait
 * for a connection. The database is reached through a proxy this file freezes.
 */
const logger = createLogger('db-timeouts-test', process.env.TEST_LOG_LEVEL ?? 'silent');
const STATEMENT_TIMEOUT_MS = 500;
const ACQUIRE_TIMEOUT_MS = 300;
const SLACK_MS = 700;

let config: Config;
let proxy: TcpProxy;
let orm: MikroORM;

beforeAll(async () => {
  config = await testConfig({
    DATABASE_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
    DATABASE_ACQUIRE_TIMEOUT_MS: String(ACQUIRE_TIMEOUT_MS),
    DATABASE_POOL_MAX: '1',
  });
  await ensureDatabase(config.DATABASE_URL);
  const url = new URL(config.DATABASE_URL);
  proxy = await tcpProxy({ host: url.hostname, port: Number(url.port || 5432) });
  url.host = `127.0.0.1:${proxy.port}`;
  orm = await openDatabase(
    { ...config, DATABASE_URL: url.toString() },
    { schema: 'public', entities: eventEntities, migrations: [] },
    logger,
  );
});
afterAll(async () => {
  await orm?.close();
  await proxy?.close();
  await dropTestDatabase(config);
});

const sql = (query: string) => orm.em.fork().execute(query);
const failure = async (work: () => Promise<unknown>) => {
  const started = Date.now();
  const error = await work().then(
    () => undefined,
    (e: unknown) => e,
  );
  return { error, elapsed: Date.now() - started };
};
const clientCode = (err: unknown) => {
  const error = new GraphQLError('x', { originalError: err as Error });
  return createErrorFormatter(logger)(error.toJSON(), error).extensions?.code;
};

/** Every connection through the proxy dropped, then traffic flows, and the pool has noticed. */
const heal = async () => {
  await proxy.cut();
  await proxy.restore();
  for (let i = 0; i < 50; i++) {
    if (
      await sql('select 1').then(
        () => true,
        () => false,
      )
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
};
afterEach(heal);

test('a statement running past statement_timeout is cancelled by PostgreSQL: SERVICE_UNAVAILABLE for the client', async () => {
  const { error, elapsed } = await failure(() => sql('select pg_sleep(3)'));
  expect(elapsed).toBeLessThan(STATEMENT_TIMEOUT_MS + SLACK_MS);
  expect((error as { code?: string }).code).toBe('57014');
  expect(clientCode(error)).toBe('SERVICE_UNAVAILABLE');
});

test('a pooled connection whose answer never comes is dropped after statement_timeout + 1 s, and the pool recovers', async () => {
  await sql('select 1'); // the pool's one connection, established
  proxy.freeze();
  const { error, elapsed } = await failure(() => sql('select 1'));
  expect(elapsed).toBeGreaterThanOrEqual(STATEMENT_TIMEOUT_MS + 1000 - 50);
  expect(elapsed).toBeLessThan(STATEMENT_TIMEOUT_MS + 1000 + SLACK_MS);
  expect(unavailableDependency(error)).toBe('database');
  expect(clientCode(error)).toBe('SERVICE_UNAVAILABLE');
  await proxy.restore(); // unfrozen, no cut: the dropped connection was discarded, not handed to the next query
  expect(await sql('select 1 as ok')).toEqual([{ ok: 1 }]);
});

test('waiting for a connection (the pool is busy, or connecting hangs) ends after DATABASE_ACQUIRE_TIMEOUT_MS', async () => {
  await sql('select 1');
  const busy = sql('select pg_sleep(0.45)'); // holds the pool's only connection, within statement_timeout
  const { error, elapsed } = await failure(() => sql('select 1'));
  await busy;
  expect(error).toBeDefined(); // not left waiting until the connection came free
  expect(clientCode(error)).toBe('SERVICE_UNAVAILABLE');
  expect(elapsed).toBeLessThan(ACQUIRE_TIMEOUT_MS + SLACK_MS);
  expect(elapsed).toBeGreaterThanOrEqual(ACQUIRE_TIMEOUT_MS - 50);
});
