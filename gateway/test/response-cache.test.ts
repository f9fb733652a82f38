import { ApolloServer } from '@apollo/server';
import { createLogger, createMetrics, createRedis, publicDataChannel, type Config, type Redis } from '@lattice/platform/core';
import { eventually, sleep, tcpProxy, testConfig, type TcpProxy } from '@lattice/testing';
import type { GatewayContext } from '../src/context';
import { createResponseCache, type ResponseCache } from '../src/response-cache';

/**
 * The response cache's own rules, on a real Apollo Server and a real Redis (behind a proxy this
 * file cuts): hints come from the schema here instead of subgraph headers, which the end-to-end
 * tests cover (test/e2e/response-cache.test.ts).
 */
const typeDefs = `
  enum CacheControlScope { PUBLIC PRIVATE }
  directive @cacheControl(maxAge: Int, scope: CacheControlScope, inheritMaxAge: Boolean) on FIELD_DEFINITION | OBJECT | INTERFACE | UNION
  type Query {
    plans: String @cacheControl(maxAge: 60, scope: PUBLIC)
    mine: String @cacheControl(maxAge: 60, scope: PRIVATE)
    flaky: String @cacheControl(maxAge: 60, scope: PUBLIC)
  }`;

let config: Config;
let redis: Redis;
let proxy: TcpProxy;
let gatewayRedis: Redis;
let cache: ResponseCache;
let server: ApolloServer<GatewayContext>;
/** What `plans` answers, how often it ran, and a gate that holds it while a test says so. */
let current = 'v1';
const runs = { plans: 0, mine: 0, flaky: 0 };
let gate: Promise<void> | undefined;

beforeAll(async () => {
  config = await testConfig();
  redis = createRedis(config.REDIS_URL, createLogger('test', 'silent'));
  const target = new URL(config.REDIS_URL);
  proxy = await tcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
  const logger = createLogger('gateway', 'silent');
  // The gateway's Redis behind the proxy; the announcements are published on the real one.
  gatewayRedis = createRedis(`redis://127.0.0.1:${proxy.port}`, logger);
  cache = await createResponseCache({ config, redis: gatewayRedis, logger, metrics: createMetrics('gateway') });
  server = new ApolloServer<GatewayContext>({
    typeDefs,
    resolvers: {
      Query: {
        plans: async () => {
          runs.plans++;
          const answer = current;
          await gate;
          return answer;
        },
        mine: () => `mine ${++runs.mine}`,
        flaky: () => {
          if (++runs.flaky === 1) throw new Error('first call fails');
          return 'ok';
        },
      },
    },
    plugins: cache.plugins,
  });
  await server.start();
});
afterAll(async () => {
  await server?.stop();
  await cache?.close();
  gatewayRedis?.disconnect();
  await proxy?.close();
  redis?.disconnect();
});

const context = (): GatewayContext => ({ requestId: 'test', principal: null, ip: null });
async function query(source: string) {
  const { http, body } = await server.executeOperation({ query: source }, { contextValue: context() });
  if (body.kind !== 'single') throw new Error('expected a single result');
  return { data: body.singleResult.data, errors: body.singleResult.errors, cacheControl: http.headers.get('cache-control') };
}
const announce = () => redis.publish(publicDataChannel(config.REDIS_PREFIX), JSON.stringify({ type: 'Plan', id: null }));

test('a public answer is stored and shared until a change is announced; clients are told to ask again', async () => {
  current = 'v1';
  await announce();
  await eventually(async () => (await query('{ plans }')).data?.plans, 'v1');
  const before = runs.plans;
  expect(await query('{ plans }')).toEqual({ data: { plans: 'v1' }, errors: undefined, cacheControl: 'no-cache' });
  expect(runs.plans).toBe(before);

  current = 'v2';
  await announce();
  await eventually(async () => (await query('{ plans }')).data?.plans, 'v2', 1000);
});

test('a PRIVATE answer is never stored (the cache has no sessionId), nor one with errors', async () => {
  expect((await query('{ mine }')).data).toEqual({ mine: 'mine 1' });
  expect(await query('{ mine }')).toMatchObject({ data: { mine: 'mine 2' }, cacheControl: 'no-store' });
  expect((await query('{ flaky }')).errors).toHaveLength(1);
  expect((await query('{ flaky }')).data).toEqual({ flaky: 'ok' });
  expect(runs.flaky).toBe(2);
});

test('an answer computed across a clear is not stored: it may hold what the clear was for', async () => {
  current = 'old';
  await announce();
  await sleep(100);
  let open!: () => void;
  gate = new Promise<void>((resolve) => (open = resolve));
  const before = runs.plans;
  const inFlight = query('{ plans }');
  await eventually(() => runs.plans, before + 1); // it has read 'old' and waits
  current = 'new';
  await announce();
  await sleep(100); // the announcement has cleared the cache
  open();
  gate = undefined;
  expect((await inFlight).data).toEqual({ plans: 'old' });
  expect((await query('{ plans }')).data).toEqual({ plans: 'new' });
});

test("while the gateway's announcement connection is down nothing is read or stored; once back the cache starts empty", async () => {
  current = 'before';
  await announce();
  await eventually(async () => (await query('{ plans }')).data?.plans, 'before');
  const stored = runs.plans;
  await query('{ plans }');
  expect(runs.plans).toBe(stored);

  await proxy.cut();
  current = 'during';
  await announce(); // on the real Redis: the gateway misses it
  // Not answered from the cache while announcements may be missed, and nothing stored either.
  await eventually(async () => (await query('{ plans }')).data?.plans, 'during', 1000);
  const during = runs.plans;
  await query('{ plans }');
  expect(runs.plans).toBe(during + 1);

  // Back (ioredis reconnects with a backoff): what was stored before the outage is gone, then caching resumes.
  await proxy.restore();
  const answers = new Set<unknown>();
  const deadline = Date.now() + 5000;
  let cachedAgain = false;
  while (!cachedAgain && Date.now() < deadline) {
    const before = runs.plans;
    answers.add((await query('{ plans }')).data?.plans);
    cachedAgain = runs.plans === before;
    if (!cachedAgain) await sleep(20);
  }
  expect(cachedAgain).toBe(true);
  expect([...answers]).toEqual(['during']);
});

test('RESPONSE_CACHE=false: every query runs', async () => {
  const logger = createLogger('gateway', 'silent');
  const off = await createResponseCache({ config: { ...config, RESPONSE_CACHE: false }, redis, logger, metrics: createMetrics('gateway') });
  const uncached = new ApolloServer<GatewayContext>({
    typeDefs,
    resolvers: { Query: { plans: () => `run ${++runs.plans}` } },
    plugins: off.plugins,
  });
  await uncached.start();
  try {
    const ask = async () => {
      const { http, body } = await uncached.executeOperation({ query: '{ plans }' }, { contextValue: context() });
      return { data: body.kind === 'single' ? body.singleResult.data : undefined, cacheControl: http.headers.get('cache-control') };
    };
    const first = await ask();
    expect(await ask()).not.toEqual(first);
    expect(first.cacheControl).toBe('no-cache'); // still public, and still not for HTTP caches to keep
  } finally {
    await uncached.stop();
    await off.close();
  }
});
