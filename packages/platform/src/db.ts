import { MikroORM, type EntityManager, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import type { Collection, EntityClass, EntityData, MigrationObject, Primary } from '@mikro-orm/core';
import { Client } from 'pg';
import type { Config } from './config';
import type { Logger } from './logger';

export type { MigrationObject };

export interface DatabaseOptions {
  /** The PostgreSQL schema this subgraph owns; its migrations name it explicitly. */
  schema: string;
  entities: EntityClass<object>[];
  /** Explicit, ordered list: no globbing, so it works the same from src (jest) and dist. */
  migrations: MigrationObject[];
}

/** Runs `work` on the server's maintenance database, for statements about the database itself. */
async function withMaintenance<T>(databaseUrl: string, work: (client: Client, name: string) => Promise<T>): Promise<T> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.slice(1));
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    return await work(client, name);
  } finally {
    await client.end();
  }
}

/** Create the configured database when it does not exist yet (first start on a fresh machine). */
export function ensureDatabase(databaseUrl: string): Promise<void> {
  return withMaintenance(databaseUrl, async (client, name) => {
    const { rowCount } = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (!rowCount) {
      await client.query(`create database "${name.replace(/"/g, '""')}"`).catch((err: { code?: string }) => {
        // 42P04 / 23505: another service created it at the same moment
        if (err.code !== '42P04' && err.code !== '23505') throw err;
      });
    }
  });
}

/**
 * Drop a throwaway database (tests, benchmarks) once its pools are closed. Only names with
 * `requiredPrefix` are dropped, so a misconfigured URL can never take the product's data.
 */
export function dropDatabase(databaseUrl: string, requiredPrefix: string): Promise<void> {
  return withMaintenance(databaseUrl, async (client, name) => {
    if (!name.startsWith(requiredPrefix)) throw new Error(`refusing to drop ${name}`);
    await client.query(`drop database if exists "${name.replace(/"/g, '""')}" with (force)`);
  });
}

/** What the watchdog fails a query with; `code` survives knex's and MikroORM's wrapping (errors.ts recognises it). */
export const DATABASE_TIMEOUT_CODE = 'LATTICE_DATABASE_TIMEOUT';

/** A query's answer may arrive this long after `statement_timeout` (PostgreSQL's own cancellation) before the connection is given up. */
const WATCHDOG_GRACE_MS = 1000;

type PgCallback = (err: Error | null, result?: unknown) => void;
interface PgConnection {
  query(...args: unknown[]): unknown;
  connection?: { stream?: { destroy(error?: Error): void } };
}

/**
 * PostgreSQL's statement_timeout cannot help when the server never sees the query or its answer
 * never comes back (a database that hangs, a network that drops packets): node-postgres would
 * wait forever, and its own `query_timeout` leaves the connection busy and back in the pool.
 * So every query knex sends on this connection gets a watchdog that destroys the connection
 * when no answer came in time: the query fails, knex discards the connection, and a server
 * that receives the statements late sees the session end and rolls its transaction back.
 */
function watchQueries(client: PgConnection, timeoutMs: number) {
  const query = client.query;
  client.query = function (this: PgConnection, ...args: unknown[]) {
    const callback = args[args.length - 1];
    // knex always passes a callback; anything else (streams, promises) is left alone.
    if (typeof callback !== 'function') return query.apply(this, args);
    const timer = setTimeout(() => {
      const error = Object.assign(new Error(`PostgreSQL did not answer within ${timeoutMs} ms; the connection was dropped`), {
        code: DATABASE_TIMEOUT_CODE,
      });
      client.connection?.stream?.destroy(error);
    }, timeoutMs);
    args[args.length - 1] = ((err, result) => {
      clearTimeout(timer);
      (callback as PgCallback)(err, result);
    }) satisfies PgCallback;
    return query.apply(this, args);
  };
}

export interface OpenDatabaseOptions {
  /**
   * Migrations run without statement and idle timeouts (an index build may take minutes, and a
   * replica waits on another's migration lock); everything else runs with them.
   */
  unbounded?: boolean;
}

export async function openDatabase(
  config: Config,
  options: DatabaseOptions,
  logger: Logger,
  open: OpenDatabaseOptions = {},
): Promise<MikroORM> {
  const statementTimeout = config.DATABASE_STATEMENT_TIMEOUT_MS;
  const bounded = !open.unbounded;
  const ormOptions: Options = {
    clientUrl: config.DATABASE_URL,
    schema: options.schema,
    entities: options.entities,
    extensions: [Migrator],
    discovery: { disableDynamicFileAccess: true, requireEntitiesArray: true },
    pool: {
      min: 0,
      max: config.DATABASE_POOL_MAX,
      // A request waits this long for a connection, never the 60 s of knex's default.
      acquireTimeoutMillis: config.DATABASE_ACQUIRE_TIMEOUT_MS,
      createTimeoutMillis: config.DATABASE_ACQUIRE_TIMEOUT_MS,
      afterCreate: (client: PgConnection, done: (err: Error | null, client: PgConnection) => void) => {
        if (bounded) watchQueries(client, statementTimeout + WATCHDOG_GRACE_MS);
        done(null, client);
      },
    },
    driverOptions: {
      acquireConnectionTimeout: config.DATABASE_ACQUIRE_TIMEOUT_MS,
      // knex would print these with console.log (e.g. "Connection Error: Connection ended unexpectedly").
      log: {
        warn: (message: unknown) => logger.warn({ knex: message }, 'knex'),
        error: (message: unknown) => logger.error({ knex: message }, 'knex'),
        deprecate: (message: unknown) => logger.debug({ knex: message }, 'knex'),
        debug: (message: unknown) => logger.debug({ knex: message }, 'knex'),
      },
      // Startup parameters of every connection (node-postgres sends them with the handshake).
      connection: {
        connectionTimeoutMillis: config.DATABASE_ACQUIRE_TIMEOUT_MS,
        ...(bounded
          ? { statement_timeout: statementTimeout, idle_in_transaction_session_timeout: config.DATABASE_IDLE_IN_TRANSACTION_TIMEOUT_MS }
          : {}),
      },
    },
    allowGlobalContext: false,
    forceUtcTimezone: true,
    debug: false,
    logger: (message) => logger.debug({ orm: message }, 'mikro-orm'),
    migrations: {
      migrationsList: options.migrations,
      tableName: 'mikro_orm_migrations',
      transactional: true,
      allOrNothing: true,
      snapshot: false,
      silent: true,
    },
  };
  return MikroORM.init(ormOptions);
}

/**
 * Apply pending migrations. Several replicas may start at once: a session-level advisory lock,
 * held on a connection of its own, lets one of them migrate while the others wait.
 */
export async function migrate(orm: MikroORM, schema: string): Promise<void> {
  const knex = orm.em.getConnection().getKnex();
  const lockKey = `lattice-migrate-${schema}`;
  const connection = await knex.client.acquireConnection();
  try {
    await knex.raw('select pg_advisory_lock(hashtext(?))', [lockKey]).connection(connection);
    await orm.getMigrator().up();
  } finally {
    await knex.raw('select pg_advisory_unlock(hashtext(?))', [lockKey]).connection(connection);
    await knex.client.releaseConnection(connection);
  }
}

/** An entity's columns as `selectRows` returns them: the relations named in `Relations` as the referenced primary key. */
export type PlainRow<T extends object, Relations extends keyof T = never> = {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any collection: one-to-many sides are not columns
  [K in Exclude<keyof T, symbol | Relations> as T[K] extends Collection<any> ? never : K]: T[K];
} & { [K in Relations]: Primary<T[K]> };

/**
 * A read that only feeds GraphQL types: plain SQL (`?` parameters, an array one expands to a list)
 * in the EntityManager's transaction if it has one, each row given the entity's property names by
 * MikroORM's own result mapper (`toPlainRow`). Not entities: no hydration, identity map or change
 * tracking, which make `em.find` cost 3 to 8 times the CPU of the query itself (billing's
 * subscriptions, ai-platform's prompt page). Writes keep loading managed entities.
 */
export async function selectRows<T extends object, Relations extends keyof T = never>(
  em: EntityManager,
  entity: EntityClass<T>,
  sql: string,
  params: readonly unknown[] = [],
): Promise<Array<PlainRow<T, Relations>>> {
  const rows = await em.getConnection().execute<Record<string, unknown>[]>(sql, [...params], 'all', em.getTransactionContext());
  return rows.map((row) => toPlainRow<T, Relations>(em, entity, row));
}

/**
 * One row of `entity`'s table (column names as keys) as its properties: timestamps parsed into
 * Dates, booleans made booleans; other values as node-postgres returns them, which suits uuid,
 * text, integer and jsonb columns (a bigint or numeric column would stay a string). Columns that
 * are not the entity's are kept as they are.
 */
export function toPlainRow<T extends object, Relations extends keyof T = never>(
  em: EntityManager,
  entity: EntityClass<T>,
  row: Record<string, unknown>,
): PlainRow<T, Relations> {
  return em.getDriver().mapResult(row as EntityData<T>, em.getMetadata(entity)) as unknown as PlainRow<T, Relations>;
}
