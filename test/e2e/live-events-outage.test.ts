import { createGateway } from '@lattice/gateway';
import { createServer as createMonitoring } from '@lattice/monitoring';
import { withSubgraphUrls, type ServiceServer, type SubgraphServer } from '@lattice/platform';
import {
  collect,
  eventually,
  gql,
  onboard,
  sleep,
  startStack,
  tcpProxy,
  wsClient,
  type Onboarded,
  type Stack,
  type TcpProxy,
} from '@lattice/testing';
import { SUBGRAPH_FACTORIES } from './helpers';

/**
 * Live events and a Redis outage (issue 7, finding 9). Pub/sub keeps nothing for a subscriber
 * that is away, so a subscription whose events may have been missed must end, honestly, with
 * SERVICE_UNAVAILABLE (the client refetches and subscribes again), never go silent. Monitoring
 * reaches Redis through a proxy this file cuts; clients subscribe at the gateway.
 */
let stack: Stack;
let redisProxy: TcpProxy;
let monitoring: SubgraphServer;
let gateway: ServiceServer;
let url: string;
let alice: Onboarded;

beforeAll(async () => {
  stack = await startStack({
    subgraphs: {
      accounts: SUBGRAPH_FACTORIES.accounts,
      billing: SUBGRAPH_FACTORIES.billing,
      'ai-platform': SUBGRAPH_FACTORIES['ai-platform'],
    },
  });
  const redis = new URL(stack.config.REDIS_URL);
  redisProxy = await tcpProxy({ host: redis.hostname, port: Number(redis.port || 6379) });
  monitoring = await createMonitoring({ ...stack.config, REDIS_URL: `redis://127.0.0.1:${redisProxy.port}` });
  const monitoringUrl = (await monitoring.start(0, '127.0.0.1')).url;
  const urls = Object.fromEntries(Object.entries(stack.subgraphs).map(([name, s]) => [name, s!.url]));
  gateway = await createGateway(withSubgraphUrls(stack.config, { ...urls, monitoring: monitoringUrl }));
  url = (await gateway.start(0, '127.0.0.1')).url;
  alice = await onboard(url, 'Alice Outage');
});
afterAll(async () => {
  await gateway?.stop();
  await monitoring?.stop();
  await redisProxy?.close();
  await stack?.stop();
});

const SUBSCRIBE = `subscription { metricRecorded(name: "cpu") { value recordedBy { email } } }`;
const record = (value: number) =>
  gql(url, `mutation($v: Float!) { recordMetric(input: { name: "cpu", value: $v }) { value } }`, { v: value }, alice.headers);
type Errors = Array<{ message: string; extensions?: Record<string, unknown> }>;

/**
 * A subscription at the gateway that has been seen to deliver (so it is surely listening). Like
 * a client, it subscribes again after SERVICE_UNAVAILABLE (e.g. one made just before monitoring's
 * subscriber connection was back is ended too).
 */
async function liveSubscription() {
  const client = wsClient(url, { authorization: `Bearer ${alice.accessToken}` });
  const deadline = Date.now() + 10_000;
  for (;;) {
    const sub = collect(client, SUBSCRIBE);
    while (sub.events.length === 0 && sub.error === undefined && Date.now() < deadline) {
      await record(1);
      await sleep(100);
    }
    if (sub.events.length > 0) return { client, sub };
    if (Date.now() >= deadline) throw new Error(`no event within 10 s: ${JSON.stringify(sub.error)}`);
    expect((sub.error as Errors)[0]!.extensions?.code).toBe('SERVICE_UNAVAILABLE');
    await sleep(200);
  }
}

test('a Redis outage ends open subscriptions with SERVICE_UNAVAILABLE ("events may have been missed"); after it, subscribing again works', async () => {
  const { client, sub } = await liveSubscription();
  expect(sub.events[0]!.data).toEqual({ metricRecorded: { value: 1, recordedBy: { email: alice.email } } });

  await redisProxy.cut();
  try {
    await eventually(() => sub.error !== undefined, true, 5000);
    const errors = sub.error as Errors;
    expect(errors[0]!.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', serviceName: 'monitoring' });
    expect(errors[0]!.message).toContain('events may have been missed');

    // Subscribing while Redis is away is refused the same way, not left silently waiting.
    const during = collect(client, SUBSCRIBE);
    await eventually(() => during.error !== undefined, true, 10_000);
    expect((during.error as Errors)[0]!.extensions?.code).toBe('SERVICE_UNAVAILABLE');
  } finally {
    await redisProxy.restore();
  }

  await eventually(() => monitoring.runtime.pubsub.channelCount, 0, 10_000);
  const after = await liveSubscription();
  expect(after.sub.error).toBeUndefined();
  await after.client.dispose();
  await client.dispose();
});
