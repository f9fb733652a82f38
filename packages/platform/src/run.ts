import Redis from 'ioredis';
import { ConfigError, loadConfig, subgraphPort, type Config } from './config';
import type { SubgraphName } from './subgraph-table';
import { createLogger } from './logger';
import type { ServiceServer } from './server';

const HOW_TO_START = {
  PostgreSQL:
    'start it with `pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`, or `docker compose up -d postgres`',
  Redis:
    "start it with `redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save '' --appendonly no`, or `docker compose up -d redis`",
};

async function reachable(what: keyof typeof HOW_TO_START, probe: () => Promise<unknown>, where: string): Promise<string | null> {
  try {
    await probe();
    return null;
  } catch (err) {
    return `${what} is not reachable at ${where} (${(err as Error).message}): ${HOW_TO_START[what]}.`;
  }
}

export type Dependency = keyof typeof HOW_TO_START;

/** Fail fast, naming what is missing and how to start it, instead of retrying forever. */
export async function checkDependencies(config: Config, needs: readonly Dependency[] = ['PostgreSQL', 'Redis']): Promise<string[]> {
  const pgUrl = new URL(config.DATABASE_URL);
  const redisUrl = new URL(config.REDIS_URL);
  const problems = await Promise.all([
    needs.includes('PostgreSQL') &&
      reachable(
        'PostgreSQL',
        async () => {
          // Loaded here, not at the top: the gateway runs this module and must not load pg.
          const { Client } = await import('pg');
          const maintenance = new URL(config.DATABASE_URL);
          maintenance.pathname = '/postgres';
          const client = new Client({ connectionString: maintenance.toString(), connectionTimeoutMillis: 3000 });
          await client.connect();
          await client.end();
        },
        pgUrl.host,
      ),
    needs.includes('Redis') &&
      reachable(
        'Redis',
        async () => {
          const redis = new Redis(config.REDIS_URL, {
            lazyConnect: true,
            maxRetriesPerRequest: 0,
            connectTimeout: 3000,
            retryStrategy: () => null,
          });
          // Keep the socket's own error (ECONNREFUSED…) for the message, not ioredis' "Connection is closed".
          let socketError: Error | undefined;
          redis.on('error', (err: Error) => (socketError ??= err));
          try {
            await redis.connect().catch((err: Error) => Promise.reject(socketError ?? err));
            await redis.ping();
          } finally {
            redis.disconnect();
          }
        },
        redisUrl.host,
      ),
  ]);
  return problems.filter((p): p is string => typeof p === 'string');
}

/**
 * The body of every main.ts: configuration, dependency check, start, and a graceful stop on
 * SIGTERM/SIGINT. The only place that calls process.exit.
 */
export async function runService(
  name: string,
  port: (config: Config) => number,
  create: (config: Config) => Promise<ServiceServer>,
  needs: readonly Dependency[] = ['PostgreSQL', 'Redis'],
): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (err) {
    console.error(err instanceof ConfigError ? err.message : err);
    process.exit(1);
  }
  const logger = createLogger(name, config.LOG_LEVEL);
  const problems = await checkDependencies(config, needs);
  if (problems.length) {
    for (const p of problems) logger.fatal(p);
    process.exit(1);
  }
  let server: ServiceServer;
  try {
    server = await create(config);
    await server.start(port(config));
  } catch (err) {
    logger.fatal({ err }, `${name} failed to start`);
    process.exit(1);
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, `${name} stopping`);
    const timer = setTimeout(() => process.exit(1), 10_000).unref();
    const started = Date.now();
    const ok = await server.stop().then(
      () => true,
      (err: unknown) => (logger.error({ err }, 'error while stopping'), false),
    );
    clearTimeout(timer);
    logger.info({ ms: Date.now() - started }, `${name} stopped`);
    process.exit(ok ? 0 : 1);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}

/** The body of a subgraph's main.ts: `runService` on the port the subgraph table configures. */
export const runSubgraph = (name: SubgraphName, create: (config: Config) => Promise<ServiceServer>): Promise<void> =>
  runService(name, (config) => subgraphPort(config, name), create);
