import type { MikroORM } from '@mikro-orm/postgresql';
import {
  currentWorker,
  withSubgraphUrls,
  type Config,
  type ServiceServer,
  type SubgraphName,
  type SubgraphServer,
} from '@lattice/platform';
import { dropTestDatabase, testConfig } from './config';

export type SubgraphFactory = (config: Config) => Promise<SubgraphServer>;
export type GatewayFactory = (config: Config) => Promise<ServiceServer>;

export interface Stack {
  config: Config;
  /** The gateway's /graphql URL (http); use `.replace(/^http/, 'ws')` for graphql-ws. */
  url: string;
  subgraphs: Partial<Record<SubgraphName, { server: SubgraphServer; url: string }>>;
  gateway?: ServiceServer;
  /** Stop one subgraph (as a crash or deploy would); the gateway keeps its URL. */
  stopSubgraph(name: SubgraphName): Promise<void>;
  /** Start a fresh instance of a stopped subgraph on the port it had. */
  startSubgraph(name: SubgraphName): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The product in-process on port 0: the given subgraphs, then (optionally) the gateway pointed
 * at them, all on one fresh database and Redis prefix. `stop()` closes everything and drops it.
 */
export async function startStack(options: {
  subgraphs: Partial<Record<SubgraphName, SubgraphFactory>>;
  gateway?: GatewayFactory;
  config?: Config;
}): Promise<Stack> {
  const config = options.config ?? (await testConfig());
  const subgraphs: Stack['subgraphs'] = {};
  const stopped: Partial<Record<SubgraphName, string>> = {};
  const stack: Stack = {
    config,
    url: '',
    subgraphs,
    async stopSubgraph(name) {
      const running = subgraphs[name];
      if (!running) throw new Error(`${name} is not running`);
      delete subgraphs[name];
      stopped[name] = running.url;
      await running.server.stop();
    },
    async startSubgraph(name) {
      const url = stopped[name];
      const factory = options.subgraphs[name];
      if (!url || !factory) throw new Error(`${name} was not stopped by stopSubgraph`);
      const server = await factory(config);
      await server.start(Number(new URL(url).port), '127.0.0.1');
      delete stopped[name];
      subgraphs[name] = { server, url };
    },
    async stop() {
      await stack.gateway?.stop();
      await Promise.all(Object.values(subgraphs).map((s) => s?.server.stop()));
      await dropTestDatabase(config);
    },
  };
  try {
    await Promise.all(
      Object.entries(options.subgraphs).map(async ([name, factory]) => {
        const server = await factory!(config);
        const { url } = await server.start(0, '127.0.0.1');
        subgraphs[name as SubgraphName] = { server, url };
      }),
    );
    if (options.gateway) {
      const urls = Object.fromEntries(Object.entries(subgraphs).map(([name, s]) => [name, s!.url]));
      stack.gateway = await options.gateway(withSubgraphUrls(config, urls));
      stack.url = (await stack.gateway.start(0, '127.0.0.1')).url;
    }
  } catch (err) {
    await stack.stop().catch(() => undefined);
    throw err;
  }
  return stack;
}

/** Counts the SQL statements one subgraph's ORM sends, for batching assertions. */
export function countStatements(orm: MikroORM) {
  const knex = orm.em.getConnection().getKnex();
  const seen: string[] = [];
  // Background work (outbox relay, stream consumers, jobs) runs on the same pool but for no request.
  const onQuery = (q: { sql: string }) => {
    if (!currentWorker()) seen.push(q.sql);
  };
  knex.on('query', onQuery);
  return {
    get count() {
      return seen.length;
    },
    get statements() {
      return [...seen];
    },
    reset() {
      seen.length = 0;
    },
    stop() {
      knex.off('query', onQuery);
    },
  };
}
