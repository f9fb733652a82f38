import { randomUUID } from 'node:crypto';
import { PRINCIPAL_HEADER, signPrincipal, type OrgRole, type Principal } from '@lattice/platform';
import { collect, eventually, gql, principalHeaders, startStack, userPrincipal, wsClient, type Stack } from '@lattice/testing';
import { createServer } from '../src/server';

let stack: Stack;
let url: string;
const orgA = randomUUID();
const orgB = randomUUID();
const member = (org: string, role: OrgRole = 'MEMBER') => userPrincipal(org, role);
const as = (p: Principal) => principalHeaders(stack.config.INTERNAL_TOKEN_SECRET, p);

beforeAll(async () => {
  stack = await startStack({ subgraphs: { monitoring: createServer } });
  url = stack.subgraphs.monitoring!.url;
});
afterAll(() => stack.stop());

const RECORD = `mutation($input: RecordMetricInput!) { recordMetric(input: $input) { name value labels at recordedBy { id } } }`;
const SERIES = `query($name: String!, $from: DateTime!, $to: DateTime!, $b: Int!) {
  metricSeries(name: $name, from: $from, to: $to, bucketSeconds: $b) { start count avg min max } }`;

test('metricSeries buckets points aligned to from, with empty buckets', async () => {
  const p = member(orgA);
  const from = new Date('2026-01-01T00:00:00Z');
  for (const [sec, value] of [
    [5, 1],
    [20, 3],
    [70, 10],
    [179, 2],
  ] as const) {
    const res = await gql(
      url,
      RECORD,
      { input: { name: 'latency', value, at: new Date(from.getTime() + sec * 1000).toISOString() } },
      await as(p),
    );
    expect(res.body.errors).toBeUndefined();
  }
  const to = new Date(from.getTime() + 240_000);
  const res = await gql(url, SERIES, { name: 'latency', from: from.toISOString(), to: to.toISOString(), b: 60 }, await as(p));
  expect(res.body.data.metricSeries).toEqual([
    { start: '2026-01-01T00:00:00.000Z', count: 2, avg: 2, min: 1, max: 3 },
    { start: '2026-01-01T00:01:00.000Z', count: 1, avg: 10, min: 10, max: 10 },
    { start: '2026-01-01T00:02:00.000Z', count: 1, avg: 2, min: 2, max: 2 },
    { start: '2026-01-01T00:03:00.000Z', count: 0, avg: null, min: null, max: null },
  ]);
  // another organization sees none of it
  const other = await gql(url, SERIES, { name: 'latency', from: from.toISOString(), to: to.toISOString(), b: 240 }, await as(member(orgB)));
  expect(other.body.data.metricSeries).toEqual([{ start: '2026-01-01T00:00:00.000Z', count: 0, avg: null, min: null, max: null }]);
});

test('a VIEWER cannot record; bad input names the field and writes nothing', async () => {
  const viewer = await gql(url, RECORD, { input: { name: 'x', value: 1 } }, await as(member(orgA, 'VIEWER')));
  expect(viewer.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  const viewerBad = await gql(url, RECORD, { input: { name: '9 bad name', value: 1 } }, await as(member(orgA, 'VIEWER')));
  expect(viewerBad.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  const bad = await gql(url, RECORD, { input: { name: '9 bad name', value: 1 } }, await as(member(orgA)));
  expect(bad.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ path: ['input', 'name'] }] });
  const labels = await gql(url, RECORD, { input: { name: 'ok', value: 1, labels: { a: 1 } } }, await as(member(orgA)));
  expect(labels.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ path: ['input', 'labels'] }] });
  const window = await gql(
    url,
    SERIES,
    { name: 'ok', from: '2026-01-02T00:00:00Z', to: '2026-01-01T00:00:00Z', b: 60 },
    await as(member(orgA)),
  );
  expect(window.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ path: ['to'] }] });
  const count = await stack.subgraphs
    .monitoring!.server.runtime.orm.em.fork()
    .getConnection()
    .execute(`select count(*)::int as n from monitoring.metric_points where name in ('x', 'ok')`);
  expect(count[0].n).toBe(0);
});

test('without a principal token only public fields are served; a forged token is UNAUTHENTICATED', async () => {
  const anon = await gql(url, SERIES, { name: 'x', from: '2026-01-01T00:00:00Z', to: '2026-01-01T00:01:00Z', b: 60 });
  expect(anon.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  const forged = await signPrincipal(member(orgA), 'x'.repeat(40));
  const res = await gql(
    url,
    SERIES,
    { name: 'x', from: '2026-01-01T00:00:00Z', to: '2026-01-01T00:01:00Z', b: 60 },
    { [PRINCIPAL_HEADER]: forged },
  );
  expect(res.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  expect(res.body.data ?? null).toBeNull();
});

test('metricRecorded streams own-organization points over graphql-ws, from any replica', async () => {
  const second = await createServer(stack.config);
  const secondUrl = (await second.start(0, '127.0.0.1')).url;
  const a = member(orgA);
  const client = wsClient(url, { principal: await signPrincipal(a, stack.config.INTERNAL_TOKEN_SECRET) });
  const clientB = wsClient(url, { principal: await signPrincipal(member(orgB), stack.config.INTERNAL_TOKEN_SECRET) });
  try {
    const subA = collect(client, `subscription { metricRecorded(name: "cpu") { name value recordedBy { id } } }`);
    const subB = collect(clientB, `subscription { metricRecorded(name: "cpu") { name value } }`);
    await new Promise((r) => setTimeout(r, 300)); // let both subscriptions reach Redis
    await gql(url, RECORD, { input: { name: 'cpu', value: 1 } }, await as(a));
    await gql(secondUrl, RECORD, { input: { name: 'cpu', value: 2 } }, await as(a));
    await gql(url, RECORD, { input: { name: 'memory', value: 3 } }, await as(a));
    const events = await subA.next(2);
    expect(events.map((e) => e.data)).toEqual([
      { metricRecorded: { name: 'cpu', value: 1, recordedBy: { id: a.sub } } },
      { metricRecorded: { name: 'cpu', value: 2, recordedBy: { id: a.sub } } },
    ]);
    await new Promise((r) => setTimeout(r, 200));
    expect(subA.events).toHaveLength(2);
    expect(subB.events).toHaveLength(0);
  } finally {
    await client.dispose();
    await clientB.dispose();
    await second.stop();
  }
});

test('metricRecorded refuses a malformed or overlong name with BAD_USER_INPUT, before touching Redis', async () => {
  const client = wsClient(url, { principal: await signPrincipal(member(orgA), stack.config.INTERNAL_TOKEN_SECRET) });
  try {
    for (const name of ['9 starts with a digit', 'n'.repeat(201)]) {
      const sub = collect(client, `subscription($name: String!) { metricRecorded(name: $name) { value } }`, { name });
      const [result] = await sub.next(1);
      expect(result.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ path: ['name'] }] });
    }
    expect(stack.subgraphs.monitoring!.server.runtime.pubsub.channelCount).toBe(0);
  } finally {
    await client.dispose();
  }
});

test("the subgraph's WebSocket serves subscriptions only: queries and mutations are BAD_REQUEST", async () => {
  const a = member(orgA);
  const client = wsClient(url, { principal: await signPrincipal(a, stack.config.INTERNAL_TOKEN_SECRET) });
  try {
    for (const query of [
      `{ metricSeries(name: "x", from: "2026-01-01T00:00:00Z", to: "2026-01-01T00:01:00Z", bucketSeconds: 60) { count } }`,
      `mutation { recordMetric(input: { name: "over_subgraph_ws", value: 1 }) { value } }`,
    ]) {
      const op = collect(client, query);
      await expect(op.next(1)).rejects.toThrow('Only subscriptions');
      expect((op.error as Array<{ extensions?: { code?: string } }>)[0].extensions?.code).toBe('BAD_REQUEST');
    }
    const count = await stack.subgraphs
      .monitoring!.server.runtime.orm.em.fork()
      .getConnection()
      .execute(`select count(*)::int as n from monitoring.metric_points where name = 'over_subgraph_ws'`);
    expect(count[0].n).toBe(0);
    // A syntax error ends that operation only: the socket (every subscription of this principal) stays.
    const broken = collect(client, `subscription { metricRecorded(name: "x") { value }`);
    await expect(broken.next(1)).rejects.toThrow();
    expect((broken.error as Array<{ extensions?: { code?: string } }>)[0].extensions?.code).toBe('GRAPHQL_PARSE_FAILED');
    const live = collect(client, `subscription { metricRecorded(name: "after_broken") { value } }`);
    await eventually(() => stack.subgraphs.monitoring!.server.runtime.pubsub.channelCount, 1); // Redis acknowledged it
    await gql(url, RECORD, { input: { name: 'after_broken', value: 5 } }, await as(a));
    expect((await live.next(1))[0]!.data).toEqual({ metricRecorded: { value: 5 } });
  } finally {
    await client.dispose();
  }
});
