import { MikroORM, type Options } from '@mikro-orm/postgresql';
import { Migrator } from '@mikro-orm/migrations';
import type { EntityClass, MigrationObject } from '@mikro-orm/core';
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

export async function openDatabase(config: Config, options: DatabaseOptions, logger: Logger): Promise<MikroORM> {
  const ormOptions: Options = {
    clientUrl: config.DATABASE_URL,
    schema: options.schema,
    entities: options.entities,
    extensions: [Migrator],
    discovery: { disableDynamicFileAccess: true, requireEntitiesArray: true },
    pool: { min: 0, max: config.DATABASE_POOL_MAX },
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
