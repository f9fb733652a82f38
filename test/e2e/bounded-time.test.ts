import { connect } from 'node:net';
import { createGateway } from '@lattice/gateway';
import { createServer as createMonitoring } from '@lattice/monitoring';
import { signPrincipal, withSubgraphUrls, PRINCIPAL_HEADER, type ServiceServer, type SubgraphServer } from '@lattice/platform';
import {
  eventually,
  gql,
  onboard,
  sleep,
  startStack,
  tcpProxy,
  testConfig,
  userPrincipal,
  type Onboarded,
  type Stack,
  type TcpProxy,
} from '@lattice/testing';
import { SUBGRAPH_FACTORIES } from './helpers';

/**
 * Bounded time everywhere (issue 7, finding 6): a database, a subgraph or Redis that hangs costs
 * a request the configured timeout, never more, and a write whose client gave up never commits.
 * The faults sit behind TCP proxies this file controls: monitoring's PostgreSQL, billing's HTTP
 * port and the gateway's Redis; everything else uses the machine's services directly.
 */
const SUBGRAPH_TIMEOUT_MS = 1500;
const STATEMENT_TIMEOUT_MS = 1000;
const ACQUIRE_TIMEOUT_MS = 1000;
const HTTP_REQUEST_TIMEOUT_MS = 1500;
/** Scheduling slack on a shared 2-core machine. */
const SLACK_MS = 700;

let stack: Stack;
let pg: TcpProxy;
let billingHttp: TcpProxy;
let gatewayRedis: TcpProxy;
let monitoring: SubgraphServer;
let monitoringUrl: string;
let gateway: ServiceServer;
let url: string;
let alice: Onboarded;

beforeAll(async () => {
  const config = await testConfig({
    SUBGRAPH_TIMEOUT_MS: String(SUBGRAPH_TIMEOUT_MS),
    DATABASE_STATEMENT_TIMEOUT_MS: String(STATEMENT_TIMEOUT_MS),
    DATABASE_ACQUIRE_TIMEOUT_MS: String(ACQUIRE_TIMEOUT_MS),
    HTTP_REQUEST_TIMEOUT_MS: String(HTTP_REQUEST_TIMEOUT_MS),
    // The hung and down billing below is asked for `plans`, which the response cache would answer.
    RESPONSE_CACHE: 'false',
  });
  stack = await startStack({
    subgraphs: {
      accounts: SUBGRAPH_FACTORIES.accounts,
      billing: SUBGRAPH_FACTORIES.billing,
      'ai-platform': SUBGRAPH_FACTORIES['ai-platform'],
    },
    config,
  });
  const database = new URL(config.DATABASE_URL);
  pg = await tcpProxy({ host: database.hostname, port: Number(database.port || 5432) });
  database.host = `127.0.0.1:${pg.port}`;
  monitoring = await createMonitoring({ ...config, DATABASE_URL: database.toString() });
  monitoringUrl = (await monitoring.start(0, '127.0.0.1')).url;
  const billing = new URL(stack.subgraphs.billing!.url);
  billingHttp = await tcpProxy({ host: billing.hostname, port: Number(billing.port) });
  billing.port = String(billingHttp.port);
  const redis = new URL(config.REDIS_URL);
  gatewayRedis = await tcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
  gateway = await createGateway(
    withSubgraphUrls(
      { ...config, REDIS_URL: `redis://127.0.0.1:${gatewayRedis.port}` },
      {
        accounts: stack.subgraphs.accounts!.url,
        'ai-platform': stack.subgraphs['ai-platform']!.url,
        billing: billing.toString(),
        monitoring: monitoringUrl,
      },
    ),
  );
  url = (await gateway.start(0, '127.0.0.1')).url;
  alice = await onboard(url, 'Alice Bounded');
});
afterAll(async () => {
  await gateway?.stop();
  await monitoring?.stop();
  await Promise.all([pg, billingHttp, gatewayRedis].map((p) => p?.close()));
  await stack?.stop();
});

const RECORD = `mutation($i: RecordMetricInput!) { recordMetric(input: $i) { name value } }`;
const record = (name: string, target = url, headers: Record<string, string> = alice.headers) =>
  gql(target, RECORD, { i: { name, value: 1 } }, headers);
const timed = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
  const started = Date.now();
  const result = await work();
  return [result, Date.now() - started];
};
const readyz = async (graphqlUrl: string) => {
  const res = await fetch(new URL('/readyz', graphqlUrl), { signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: (await res.json()) as { status: string; checks: Record<string, string> } };
};
const pointsNamed = async (pattern: string) =>
  (
    await stack.subgraphs
      .accounts!.server.runtime.orm.em.fork()
      .execute<Array<{ n: number }>>(`select count(*)::int as n from monitoring.metric_points where name like ?`, [pattern])
  )[0]!.n;
/** Back to a healthy proxy: every connection through it dropped (the clients reconnect), then traffic flows. */
const heal = async (proxy: TcpProxy) => {
  await proxy.cut();
  await proxy.restore();
};

test('a subgraph that hangs: SERVICE_UNAVAILABLE naming it within SUBGRAPH_TIMEOUT_MS; one that is down: at once', async () => {
  expect((await gql(url, `{ plans { key } }`)).body.errors).toBeUndefined();
  billingHttp.freeze();
  try {
    const [hung, elapsed] = await timed(() => gql(url, `{ plans { key } }`));
    expect(hung.body.errors?.[0]?.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', serviceName: 'billing' });
    expect(hung.body.errors?.[0]?.message).toContain(`did not answer within ${SUBGRAPH_TIMEOUT_MS} ms`);
    expect(elapsed).toBeGreaterThanOrEqual(SUBGRAPH_TIMEOUT_MS - 50);
    expect(elapsed).toBeLessThan(SUBGRAPH_TIMEOUT_MS + SLACK_MS);

    // The gateway's /readyz says so within a second, instead of hanging with it.
    const [ready, readyElapsed] = await timed(() => readyz(url));
    expect(ready.status).toBe(503);
    expect(ready.body.checks.subgraphs).toContain('billing did not answer');
    expect(readyElapsed).toBeLessThan(1000 + SLACK_MS);

    await billingHttp.cut();
    const [down, downElapsed] = await timed(() => gql(url, `{ plans { key } }`));
    expect(down.body.errors?.[0]?.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', serviceName: 'billing' });
    expect(down.body.errors?.[0]?.message).toContain('could not be reached');
    expect(downElapsed).toBeLessThan(SLACK_MS);
  } finally {
    await heal(billingHttp);
  }
  await eventually(async () => (await gql(url, `{ plans { key } }`)).body.errors === undefined, true, 5000);
});

test('PostgreSQL black-holed: a write fails within the timeouts (gateway and subgraph), /readyz says not ready within a second', async () => {
  expect((await record('before_the_stall')).body.errors).toBeUndefined();
  pg.freeze();
  try {
    const [viaGateway, gatewayElapsed] = await timed(() => record('during_the_stall'));
    expect(viaGateway.body.errors?.[0]?.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', serviceName: 'monitoring' });
    expect(gatewayElapsed).toBeLessThan(SUBGRAPH_TIMEOUT_MS + SLACK_MS);

    // Straight at the subgraph (no deadline): a pooled connection that never answers is given up
    // after statement_timeout + 1 s, a new one after the acquire timeout.
    const token = await signPrincipal(userPrincipal(alice.orgId, 'OWNER', [], alice.userId), stack.config.INTERNAL_TOKEN_SECRET);
    const [direct, directElapsed] = await timed(() => record('during_the_stall', monitoringUrl, { [PRINCIPAL_HEADER]: token }));
    expect(direct.body.errors?.[0]?.extensions?.code).toBe('SERVICE_UNAVAILABLE');
    expect(direct.body.errors?.[0]?.message).toContain('The database did not answer in time');
    expect(directElapsed).toBeLessThan(ACQUIRE_TIMEOUT_MS + STATEMENT_TIMEOUT_MS + 1000 + SLACK_MS);

    const [ready, readyElapsed] = await timed(() => readyz(monitoringUrl));
    expect(ready.status).toBe(503);
    expect(ready.body.checks.postgres).toMatch(/^failing/);
    expect(readyElapsed).toBeLessThan(1000 + SLACK_MS);
  } finally {
    await heal(pg);
  }
  await eventually(async () => (await record('after_the_stall')).body.errors === undefined, true, 10_000);
  expect(await pointsNamed('during_the_stall')).toBe(0);
});

test('writes whose clients had given up do not commit when the database comes back', async () => {
  expect((await record('warm_up')).body.errors).toBeUndefined();
  // Packets are held, not lost: when the network heals, what the subgraph sent arrives late.
  pg.stall();
  let answers;
  try {
    answers = await Promise.all(Array.from({ length: 5 }, (_, i) => record(`given_up_${i}`)));
  } finally {
    // Before the watchdog gives the connections up: their BEGIN is answered, the writes go on…
    await pg.restore();
  }
  for (const res of answers)
    expect(res.body.errors?.[0]?.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', serviceName: 'monitoring' });
  // …and each one meets its deadline before COMMIT.
  await sleep(3000);
  expect(await pointsNamed('given_up_%')).toBe(0);
  await heal(pg);
  await eventually(async () => (await record('after_the_heal')).body.errors === undefined, true, 10_000);
});

test("the gateway's /readyz reflects Redis, within a second when it hangs", async () => {
  expect((await readyz(url)).body.checks.redis).toBe('ok');
  gatewayRedis.freeze();
  try {
    const [ready, elapsed] = await timed(() => readyz(url));
    expect(ready.status).toBe(503);
    expect(ready.body.checks.redis).toMatch(/^failing/);
    expect(elapsed).toBeLessThan(1000 + SLACK_MS);
  } finally {
    await heal(gatewayRedis);
  }
  await eventually(async () => (await readyz(url)).body.checks.redis, 'ok', 10_000);
});

test('a client sending its body one byte at a time is dropped with 408 once HTTP_REQUEST_TIMEOUT_MS has passed', async () => {
  const socket = connect(new URL(url).port as unknown as number, '127.0.0.1');
  let received = '';
  socket.on('data', (chunk) => (received += chunk));
  const closed = new Promise<number>((resolve) => socket.on('close', () => resolve(Date.now())));
  await new Promise((resolve) => socket.once('connect', resolve));
  const started = Date.now();
  socket.write('POST /graphql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{');
  const drip = setInterval(() => socket.writable && socket.write(' '), 200);
  try {
    const at = await Promise.race([closed, sleep(10_000).then(() => Number.POSITIVE_INFINITY)]);
    expect(at - started).toBeLessThan(HTTP_REQUEST_TIMEOUT_MS + 1000 + SLACK_MS);
    expect(received).toMatch(/^HTTP\/1\.1 408/);
  } finally {
    clearInterval(drip);
    socket.destroy();
  }
});
