import { createGateway } from '@lattice/gateway';
import { createServer as createMonitoring } from '@lattice/monitoring';
import {
  signPrincipal,
  SUBGRAPH_URL_ENV,
  type Principal,
  type ServiceServer,
  type SubgraphName,
  type SubgraphServer,
} from '@lattice/platform';
import { collect, eventually, gql, sleep, userPrincipal, wsClient, type Stack } from '@lattice/testing';
import { onboard, startProduct, type Onboarded } from './helpers';

// The monitoring subgraph's own graphql-ws endpoint, called the way the gateway's subscription
// layer calls it: with the internal principal token in connectionParams. Clients subscribe at
// the gateway (gateway-subscriptions.test.ts).
let stack: Stack;
let alice: Onboarded;
let bob: Onboarded;
let secondMonitoring: SubgraphServer;
let secondGateway: ServiceServer;
let secondGatewayUrl: string;

beforeAll(async () => {
  stack = await startProduct();
  alice = await onboard(stack.url, 'Alice Live');
  bob = await onboard(stack.url, 'Bob Live');
  secondMonitoring = await createMonitoring(stack.config);
  const { url } = await secondMonitoring.start(0, '127.0.0.1');
  const config = { ...stack.config };
  for (const [name, s] of Object.entries(stack.subgraphs)) config[SUBGRAPH_URL_ENV[name as SubgraphName]] = s!.url;
  secondGateway = await createGateway({ ...config, MONITORING_URL: url });
  secondGatewayUrl = (await secondGateway.start(0, '127.0.0.1')).url;
});
afterAll(async () => {
  await secondGateway?.stop();
  await secondMonitoring?.stop();
  await stack.stop();
});

const principalOf = (who: Onboarded): Principal => userPrincipal(who.orgId, 'OWNER', [], who.userId);
const RECORD = `mutation($v: Float!) { recordMetric(input: { name: "queue_depth", value: $v }) { value } }`;

test('metricRecorded reaches subscribers of its organization only, from either monitoring replica', async () => {
  const monitoringUrl = stack.subgraphs.monitoring!.url;
  const aliceClient = wsClient(monitoringUrl, { principal: await signPrincipal(principalOf(alice), stack.config.INTERNAL_TOKEN_SECRET) });
  const bobClient = wsClient(monitoringUrl, { principal: await signPrincipal(principalOf(bob), stack.config.INTERNAL_TOKEN_SECRET) });
  try {
    const aliceEvents = collect(aliceClient, `subscription { metricRecorded(name: "queue_depth") { name value at recordedBy { id } } }`);
    const bobEvents = collect(bobClient, `subscription { metricRecorded(name: "queue_depth") { value } }`);
    // one Redis channel per organization subscribed, acknowledged before anything is recorded
    await eventually(() => stack.subgraphs.monitoring!.server.runtime.pubsub.channelCount, 2);

    for (const [url, value] of [
      [stack.url, 1],
      [secondGatewayUrl, 2],
      [stack.url, 3],
    ] as const) {
      const res = await gql(url, RECORD, { v: value }, alice.headers);
      expect(res.body.errors).toBeUndefined();
    }
    await gql(stack.url, RECORD, { v: 99 }, bob.headers);

    const events = await aliceEvents.next(3);
    expect(events.map((e) => (e.data as any).metricRecorded.value)).toEqual([1, 2, 3]);
    expect((events[0].data as any).metricRecorded).toMatchObject({ name: 'queue_depth', recordedBy: { id: alice.userId } });
    const bobs = await bobEvents.next(1);
    expect(bobs.map((e) => (e.data as any).metricRecorded.value)).toEqual([99]);
    await sleep(200);
    expect(aliceEvents.events).toHaveLength(3);
    expect(bobEvents.events).toHaveLength(1);
  } finally {
    await aliceClient.dispose();
    await bobClient.dispose();
  }
});

test('a subscription without a principal, or with a forged one, gets nothing', async () => {
  const monitoringUrl = stack.subgraphs.monitoring!.url;
  const anonymous = wsClient(monitoringUrl);
  const sub = collect(anonymous, `subscription { metricRecorded(name: "queue_depth") { value } }`);
  const [refused] = await sub.next(1);
  expect(refused!.data ?? null).toBeNull();
  expect(refused!.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  await sub.next(2); // resolves on complete: the server ends the operation
  expect(sub.completed).toBe(true);
  await anonymous.dispose();

  const forged = wsClient(monitoringUrl, { principal: await signPrincipal(principalOf(alice), 'z'.repeat(64)) });
  const closed = collect(forged, `subscription { metricRecorded(name: "queue_depth") { value } }`);
  await expect(closed.next(1)).rejects.toMatchObject({ code: 4403 });
  await forged.dispose();
});
