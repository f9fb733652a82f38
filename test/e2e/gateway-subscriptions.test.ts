import WebSocket from 'ws';
import { AccessTokenSigner } from '@lattice/platform';
import { collect, eventually, gql, scrapeMetrics, sleep, wsClient, type Stack } from '@lattice/testing';
import { onboard, startProduct, type Onboarded } from './helpers';

// Clients subscribe at the gateway, the way dashboards and partners do; the gateway relays the
// monitoring subgraph's `metricRecorded` and fills in accounts' and billing's fields per event.
let stack: Stack;
let alice: Onboarded;
let bob: Onboarded;

beforeAll(async () => {
  stack = await startProduct();
  alice = await onboard(stack.url, 'Alice Subscribes');
  bob = await onboard(stack.url, 'Bob Subscribes');
});
afterAll(() => stack.stop());

const auth = (who: Onboarded) => ({ authorization: `Bearer ${who.accessToken}` });
const RECORD = `mutation($i: RecordMetricInput!) { recordMetric(input: $i) { name value recordedBy { email } } }`;
const LIVE = `subscription Live($name: String!) {
  metricRecorded(name: $name) {
    value
    at
    recordedBy { email memberships { organization { name subscription { plan { name } } } } }
  }
}`;

async function record(who: Onboarded, name: string, value: number) {
  const res = await gql(stack.url, RECORD, { i: { name, value } }, who.headers);
  expect(res.body.errors).toBeUndefined();
}

async function gauge(name = 'lattice_gateway_upstream_subscriptions'): Promise<number> {
  const value = (await scrapeMetrics(new URL('/metrics', stack.url).toString()))[name];
  if (value === undefined) throw new Error(`${name} is not on /metrics`);
  return value;
}

/** Redis channels the monitoring subgraph listens on: one per (organization, metric) subscribed. */
const monitoringChannels = () => stack.subgraphs.monitoring!.server.runtime.pubsub.channelCount;

/** Wait until the subscription has reached the monitoring subgraph and Redis has acknowledged it. */
async function upstreamReady(channels: number, subscriptions = channels) {
  await eventually(gauge, subscriptions);
  await eventually(monitoringChannels, channels);
}

/** A raw graphql-transport-ws socket, for what a well-behaved client never sends. */
async function rawSocket() {
  const socket = new WebSocket(stack.url.replace(/^http/, 'ws'), 'graphql-transport-ws');
  const messages: Array<{ type: string; id?: string; payload?: unknown }> = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data))));
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    socket.on('close', (code, reason) => resolve({ code, reason: String(reason) })),
  );
  await new Promise((resolve, reject) => {
    socket.once('open', resolve);
    socket.once('error', reject);
  });
  const send = (message: unknown) => socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  const received = async (type: string) => {
    const deadline = Date.now() + 3000;
    while (!messages.some((m) => m.type === type)) {
      if (Date.now() > deadline) throw new Error(`no ${type} message (got ${JSON.stringify(messages)})`);
      await sleep(10);
    }
  };
  const init = async (payload: Record<string, unknown> = {}) => {
    send({ type: 'connection_init', payload });
    await received('connection_ack');
  };
  return { socket, messages, closed, send, received, init };
}

const membershipOf = (org: string) => [{ organization: { name: org, subscription: { plan: { name: 'Free' } } } }];

test('a subscription through the gateway carries fields of accounts and billing in every event', async () => {
  const client = wsClient(stack.url, auth(alice));
  try {
    const sub = collect(client, LIVE, { name: 'latency' });
    await upstreamReady(1);
    for (const v of [1, 2, 3]) await record(alice, 'latency', v);
    const events = await sub.next(3);
    expect(events.map((e) => e.errors)).toEqual([undefined, undefined, undefined]);
    expect(events.map((e) => (e.data as any).metricRecorded)).toEqual(
      [1, 2, 3].map((value) => ({
        value,
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        recordedBy: { email: alice.email, memberships: membershipOf('Alice Subscribes') },
      })),
    );
  } finally {
    await client.dispose();
  }
  await eventually(gauge, 0);
});

test('subscribers of two organizations on the same field each see only their own events', async () => {
  const aliceClient = wsClient(stack.url, auth(alice));
  const bobClient = wsClient(stack.url, auth(bob));
  try {
    const aliceEvents = collect(aliceClient, `subscription { metricRecorded(name: "queue_depth") { value recordedBy { email } } }`);
    const bobEvents = collect(bobClient, `subscription { metricRecorded(name: "queue_depth") { value recordedBy { email } } }`);
    await upstreamReady(2);
    await record(alice, 'queue_depth', 1);
    await record(bob, 'queue_depth', 10);
    await record(alice, 'queue_depth', 2);
    expect((await aliceEvents.next(2)).map((e) => (e.data as any).metricRecorded)).toEqual([
      { value: 1, recordedBy: { email: alice.email } },
      { value: 2, recordedBy: { email: alice.email } },
    ]);
    expect((await bobEvents.next(1)).map((e) => (e.data as any).metricRecorded)).toEqual([{ value: 10, recordedBy: { email: bob.email } }]);
    await sleep(200);
    expect(aliceEvents.events).toHaveLength(2);
    expect(bobEvents.events).toHaveLength(1);
  } finally {
    await aliceClient.dispose();
    await bobClient.dispose();
  }
});

test('client complete, client close and a dropped socket each release the upstream subscription at once', async () => {
  const query = `subscription { metricRecorded(name: "released") { value } }`;
  const client = wsClient(stack.url, auth(alice));
  try {
    const completed = collect(client, query);
    await upstreamReady(1);
    completed.dispose(); // graphql-ws `complete` for this operation; the socket stays open
    await eventually(gauge, 0, 1000);
    await eventually(monitoringChannels, 0, 1000);
    expect(await gauge('lattice_gateway_websocket_connections')).toBe(1);

    collect(client, query);
    await upstreamReady(1);
  } finally {
    await client.dispose(); // socket closed with the subscription still open
  }
  await eventually(gauge, 0, 1000);
  await eventually(monitoringChannels, 0, 1000);
  await eventually(() => gauge('lattice_gateway_websocket_connections'), 0, 1000);

  const raw = await rawSocket();
  await raw.init(auth(alice));
  raw.send({ type: 'subscribe', id: 'x', payload: { query } });
  await upstreamReady(1);
  raw.socket.terminate(); // no close handshake: the connection just drops
  await eventually(gauge, 0, 1000);
  await eventually(monitoringChannels, 0, 1000);
});

test('an access token that expires closes the socket with 4403 and releases its subscriptions', async () => {
  const claims = JSON.parse(Buffer.from(alice.accessToken.split('.')[1]!, 'base64url').toString());
  const signer = await AccessTokenSigner.fromPem(stack.config.JWT_PRIVATE_KEY!, 2);
  const shortLived = await signer.sign({
    sub: claims.sub,
    sid: claims.sid,
    org: claims.org,
    role: claims.role,
    memberships: claims.memberships,
  });
  const expiresAt = JSON.parse(Buffer.from(shortLived.split('.')[1]!, 'base64url').toString()).exp * 1000;
  const client = wsClient(stack.url, { authorization: `Bearer ${shortLived}` });
  try {
    const sub = collect(client, `subscription { metricRecorded(name: "expiring") { value } }`);
    await upstreamReady(1);
    await record(alice, 'expiring', 7);
    expect((await sub.next(1))[0]!.data).toEqual({ metricRecorded: { value: 7 } });
    await expect(sub.next(2, 5000)).rejects.toMatchObject({ code: 4403, reason: 'Access token expired' });
    expect(Date.now()).toBeGreaterThanOrEqual(expiresAt);
    await eventually(gauge, 0, 1000);
  } finally {
    await client.dispose();
  }
});

test('a subgraph that goes away ends the subscription with SERVICE_UNAVAILABLE; subscribing again works once it is back', async () => {
  const client = wsClient(stack.url, auth(alice));
  try {
    const first = collect(client, LIVE, { name: 'restarts' });
    await upstreamReady(1);
    await stack.stopSubgraph('monitoring');
    await expect(first.next(1)).rejects.toThrow(/SERVICE_UNAVAILABLE/);
    expect(first.error).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/monitoring service ended the subscription.*subscribe again/),
        extensions: { code: 'SERVICE_UNAVAILABLE' },
      }),
    ]);
    expect(await gauge()).toBe(0);

    // While it is down, a new subscription is refused the same way, not left hanging.
    const whileDown = collect(client, LIVE, { name: 'restarts' });
    await expect(whileDown.next(1)).rejects.toThrow(/SERVICE_UNAVAILABLE/);

    await stack.startSubgraph('monitoring');
    const second = collect(client, LIVE, { name: 'restarts' });
    await upstreamReady(1);
    await record(alice, 'restarts', 5);
    const [event] = await second.next(1);
    expect(event!.errors).toBeUndefined();
    expect((event!.data as any).metricRecorded).toMatchObject({
      value: 5,
      recordedBy: { email: alice.email, memberships: membershipOf('Alice Subscribes') },
    });
  } finally {
    await client.dispose();
  }
  await eventually(gauge, 0);
});

test('an entity fetch failing for one event is reported on that event, and the subscription goes on', async () => {
  const client = wsClient(stack.url, auth(alice));
  try {
    const sub = collect(client, LIVE, { name: 'partial' });
    await upstreamReady(1);
    await stack.stopSubgraph('billing');
    await record(alice, 'partial', 1);
    const [broken] = await sub.next(1);
    // A subgraph that is down is SERVICE_UNAVAILABLE naming it (issue 7), not an internal error.
    expect(broken!.errors?.[0]?.extensions).toMatchObject({ code: 'SERVICE_UNAVAILABLE', serviceName: 'billing' });
    // Organization.subscription is non-null up to the nullable recordedBy.
    expect((broken!.data as any).metricRecorded).toMatchObject({ value: 1, recordedBy: null });
    await stack.startSubgraph('billing');
    await record(alice, 'partial', 2);
    const events = await sub.next(2);
    expect(sub.completed).toBe(false);
    expect(events[1]!.errors).toBeUndefined();
    expect((events[1]!.data as any).metricRecorded).toMatchObject({
      value: 2,
      recordedBy: { memberships: membershipOf('Alice Subscribes') },
    });
  } finally {
    await client.dispose();
  }
});

test('bad credentials close the socket with 4403; anonymous connections are allowed', async () => {
  const [h, p] = alice.accessToken.split('.');
  for (const authorization of ['Bearer not.a.jwt', `Bearer ${h}.${p}.${'A'.repeat(86)}`, 'Basic abc', 42]) {
    const client = wsClient(stack.url, { authorization });
    const sub = collect(client, `{ plans { name } }`);
    await expect(sub.next(1)).rejects.toMatchObject({ code: 4403 });
    await client.dispose();
  }
  const anonymous = wsClient(stack.url);
  try {
    const [plans] = await collect(anonymous, `{ plans { name } }`).next(1);
    expect((plans!.data as any).plans).toHaveLength(3);
    // The monitoring subgraph refuses an anonymous subscriber; the gateway passes that on.
    const sub = collect(anonymous, `subscription { metricRecorded(name: "x") { value } }`);
    const [refused] = await sub.next(1);
    expect(refused!.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    await sub.next(2);
    expect(sub.completed).toBe(true);
  } finally {
    await anonymous.dispose();
  }
});

test('protocol errors get the graphql-ws close codes', async () => {
  const invalid = await rawSocket();
  await invalid.init();
  invalid.send('this is not JSON');
  expect((await invalid.closed).code).toBe(4400);

  const unknownType = await rawSocket();
  unknownType.send({ type: 'nonsense' });
  expect((await unknownType.closed).code).toBe(4400);

  const beforeInit = await rawSocket();
  beforeInit.send({ type: 'subscribe', id: '1', payload: { query: '{ plans { name } }' } });
  expect((await beforeInit.closed).code).toBe(4401);

  const duplicate = await rawSocket();
  await duplicate.init(auth(alice));
  const query = `subscription { metricRecorded(name: "dup") { value } }`;
  duplicate.send({ type: 'subscribe', id: 'same', payload: { query } });
  duplicate.send({ type: 'subscribe', id: 'same', payload: { query } });
  expect(await duplicate.closed).toMatchObject({ code: 4409, reason: 'Subscriber for same already exists' });

  const twice = await rawSocket();
  await twice.init();
  twice.send({ type: 'connection_init' });
  expect((await twice.closed).code).toBe(4429);

  // Before authentication too: a message over 1 MiB closes the socket (1009, message too big).
  // graphql-ws reports the socket's RangeError on stderr itself; keep it out of the test output.
  const stderr = jest.spyOn(console, 'error').mockImplementation(() => undefined);
  try {
    const huge = await rawSocket();
    huge.send({ type: 'connection_init', payload: { padding: 'x'.repeat(1024 * 1024) } });
    expect((await huge.closed).code).toBe(1009);
    expect(String(stderr.mock.calls[0]?.[1])).toContain('Max payload size exceeded');
  } finally {
    stderr.mockRestore();
  }

  await eventually(gauge, 0);
});

test('bad subscriptions get errors with codes, and one connection may run at most 100 operations', async () => {
  const client = wsClient(stack.url, auth(alice));
  try {
    const cases: Array<[string, Record<string, unknown>, string]> = [
      [`subscription { metricRecorded(name: "x") { nope } }`, {}, 'GRAPHQL_VALIDATION_FAILED'],
      [`subscription { metricRecorded(name: "x") { value }`, {}, 'GRAPHQL_PARSE_FAILED'],
      [LIVE, {}, 'BAD_USER_INPUT'],
      [LIVE, { name: 12 }, 'BAD_USER_INPUT'],
    ];
    for (const [query, variables, code] of cases) {
      const sub = collect(client, query, variables);
      await expect(sub.next(1)).rejects.toThrow(code);
      expect((sub.error as any[])[0].extensions.code).toBe(code);
      if (code === 'BAD_USER_INPUT') expect((sub.error as any[])[0].extensions.fields).toMatchObject([{ path: ['variables', 'name'] }]);
    }
    // A name the monitoring subgraph rejects: its BAD_USER_INPUT arrives as the result, then complete.
    const badName = collect(client, LIVE, { name: 'not a metric name!' });
    const [rejected] = await badName.next(1);
    expect(rejected!.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', serviceName: 'monitoring' });
    await badName.next(2);
    expect(badName.completed).toBe(true);

    // Distinct names: identical subscriptions would share one upstream subscription.
    const many = (i: number) => `subscription { metricRecorded(name: "many_${i}") { value } }`;
    const open = Array.from({ length: 100 }, (_, i) => collect(client, many(i)));
    await upstreamReady(100);
    const tooMany = collect(client, many(100));
    await expect(tooMany.next(1)).rejects.toThrow(/RATE_LIMITED/);
    expect((tooMany.error as any[])[0].message).toMatch(/At most 100 operations/);
    await record(alice, 'many_99', 1);
    await open[99]!.next(1);
    open[0]!.dispose();
    await eventually(gauge, 99);
    const again = collect(client, many(100));
    await eventually(gauge, 100);
    again.dispose();
  } finally {
    await client.dispose();
  }
  await eventually(gauge, 0);
});

test('queries and mutations over the WebSocket get exactly what HTTP gets', async () => {
  const client = wsClient(stack.url, auth(alice));
  const anonymous = wsClient(stack.url);
  const overWs = async (c: typeof client, query: string, variables: Record<string, unknown> = {}) =>
    (await collect(c, query, variables).next(1))[0];
  try {
    const me = `{ me { email memberships { role organization { name subscription { status plan { name } } } } } plans { name } }`;
    const http = await gql(stack.url, me, {}, alice.headers);
    expect(http.body.data.me.email).toBe(alice.email);
    expect(await overWs(client, me)).toEqual(http.body);

    const mutation = await overWs(client, RECORD, { i: { name: 'over_ws', value: 3 } });
    expect(mutation).toEqual((await gql(stack.url, RECORD, { i: { name: 'over_ws', value: 3 } }, alice.headers)).body);
    expect(mutation).toEqual({ data: { recordMetric: { name: 'over_ws', value: 3, recordedBy: { email: alice.email } } } });
    const series = `query($from: DateTime!, $to: DateTime!) { metricSeries(name: "over_ws", from: $from, to: $to, bucketSeconds: 3600) { count } }`;
    // One clock reading: two could differ by a millisecond and make the window a second bucket.
    const now = Date.now();
    const window = { from: new Date(now - 1_800_000).toISOString(), to: new Date(now + 1_800_000).toISOString() };
    expect(await overWs(client, series, window)).toEqual({ data: { metricSeries: [{ count: 2 }] } });

    const prompts = `{ prompts { edges { cursor } } }`;
    const anonymousHttp = await gql(stack.url, prompts);
    expect(anonymousHttp.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(await overWs(anonymous, prompts)).toEqual(anonymousHttp.body);

    const invalid = `{ me { nope } }`;
    const invalidHttp = await gql(stack.url, invalid, {}, alice.headers);
    expect(invalidHttp.body.errors?.[0]?.extensions?.code).toBe('GRAPHQL_VALIDATION_FAILED');
    expect(await overWs(client, invalid)).toEqual(invalidHttp.body);

    const badInput = `mutation($i: CreatePromptInput!) { createPrompt(input: $i) { id } }`;
    const badInputHttp = await gql(stack.url, badInput, { i: { name: '', template: 't' } }, alice.headers);
    expect(badInputHttp.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    expect(await overWs(client, badInput, { i: { name: '', template: 't' } })).toEqual(badInputHttp.body);

    // A variable of the wrong type: named in fields, over HTTP as over the socket.
    const badVariableHttp = await gql(stack.url, badInput, { i: { name: 12, template: 't' } }, alice.headers);
    expect(badVariableHttp.body.errors?.[0]?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ path: ['variables', 'i'] }] });
    expect(await overWs(client, badInput, { i: { name: 12, template: 't' } })).toEqual(badVariableHttp.body);
  } finally {
    await client.dispose();
    await anonymous.dispose();
  }
});

test('identical subscriptions of one principal share one upstream subscription; others do not', async () => {
  const [first, second, third] = [wsClient(stack.url, auth(alice)), wsClient(stack.url, auth(alice)), wsClient(stack.url, auth(alice))];
  const bobClient = wsClient(stack.url, auth(bob));
  try {
    const a = collect(first, LIVE, { name: 'shared' });
    const b = collect(second, LIVE, { name: 'shared' });
    const otherName = collect(third, LIVE, { name: 'shared_other' });
    const otherPrincipal = collect(bobClient, LIVE, { name: 'shared' });
    // alice×shared (twice, shared), alice×shared_other, bob×shared: three upstream subscriptions
    await upstreamReady(3);
    await record(alice, 'shared', 5);
    const [ea, eb] = [(await a.next(1))[0]!, (await b.next(1))[0]!];
    expect(ea).toEqual(eb);
    expect((ea.data as any).metricRecorded).toMatchObject({
      value: 5,
      recordedBy: { email: alice.email, memberships: membershipOf('Alice Subscribes') },
    });

    // One subscriber leaving keeps the shared subscription open for the other.
    a.dispose();
    await sleep(50);
    expect(await gauge()).toBe(3);
    await record(alice, 'shared', 6);
    expect((await b.next(2)).map((e) => (e.data as any).metricRecorded.value)).toEqual([5, 6]);
    b.dispose();
    await eventually(gauge, 2);
    expect(otherName.events).toHaveLength(0);
    expect(otherPrincipal.events).toHaveLength(0);
  } finally {
    await Promise.all([first, second, third, bobClient].map((c) => c.dispose()));
  }
  await eventually(gauge, 0);
});

test('after 200 connect/subscribe/disconnect cycles no upstream subscription or socket is left open', async () => {
  // A name per client: identical subscriptions would share one upstream subscription.
  const query = (i: number) => `subscription { metricRecorded(name: "churn_${i}") { value recordedBy { email } } }`;
  let peak = 0;
  for (let batch = 0; batch < 10; batch++) {
    // Two principals: the gateway holds one upstream socket per principal.
    const clients = Array.from({ length: 20 }, (_, i) => wsClient(stack.url, auth(i % 2 ? bob : alice)));
    const subs = clients.map((c, i) => collect(c, query(i)));
    // Half leave at once, racing the gateway's upstream set-up; the other half once it is open.
    await Promise.all(clients.slice(0, 10).map((c) => c.dispose()));
    await eventually(async () => (await gauge()) >= 10, true);
    peak = Math.max(peak, await gauge());
    // One socket per principal to monitoring, however many subscriptions ride on it.
    await eventually(() => gauge('lattice_gateway_upstream_connections'), 2);
    subs.slice(10, 15).forEach((s) => s.dispose()); // graphql-ws complete
    await Promise.all(clients.slice(10).map((c) => c.dispose())); // socket close
  }
  expect(peak).toBeGreaterThanOrEqual(10);
  await eventually(gauge, 0);
  await eventually(() => gauge('lattice_gateway_upstream_connections'), 0);
  await eventually(monitoringChannels, 0);
  await eventually(() => gauge('lattice_gateway_websocket_connections'), 0);
});
