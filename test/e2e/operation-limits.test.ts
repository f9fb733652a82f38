import { monitorEventLoopDelay } from 'node:perf_hooks';
import type { Client } from 'graphql-ws';
import { bearer, gql, wsClient, type Stack } from '@lattice/testing';
import { onboard, startProduct, type Onboarded } from './helpers';

// The gateway's operation guards (issue 7, findings 1 and 2), over HTTP and graphql-ws, with the
// default limits: 2000 tokens, depth 10, 15 aliases, 20 directives, cost 5000 (lists of 10).
let stack: Stack;
let alice: Onboarded;
let subgraphRequests = 0;

beforeAll(async () => {
  stack = await startProduct();
  alice = await onboard(stack.url, 'Alice Limits');
  // Finding 1's user belongs to ten organizations: every `memberships` level multiplies by ten.
  for (let i = 2; i <= 10; i++) {
    const res = await gql(
      stack.url,
      `mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }`,
      { i: { name: `Alice Org ${i}` } },
      alice.headers,
    );
    expect(res.body.errors).toBeUndefined();
  }
  for (const { server } of Object.values(stack.subgraphs)) {
    server!.httpServer.on('request', () => subgraphRequests++);
    server!.httpServer.on('upgrade', () => subgraphRequests++);
  }
});
afterAll(() => stack.stop());

/** `{ me { memberships { user { … } } } }` with `pairs` levels of memberships/user: depth 2 × pairs + 2. */
const memberships = (pairs: number, leaf = 'id') => `{ me { ${'memberships { user { '.repeat(pairs)}${leaf}${' } }'.repeat(pairs)} } }`;
const aliases = (n: number, selection = 'plans { id }') => `{ ${Array.from({ length: n }, (_, i) => `a${i}: ${selection}`).join(' ')} }`;
const nestedFields = (levels: number) => `{ ${'me { '.repeat(levels)}id${' }'.repeat(levels)} }`;

/** The refusal of one guard, as a client sees it. */
const refusedBy = (limit: string, max: number) => [
  expect.objectContaining({
    message: expect.stringContaining(`limit of ${max}`),
    extensions: { code: 'GRAPHQL_VALIDATION_FAILED', limit, max },
  }),
];

/** Run over HTTP and check that no subgraph heard of it, and how long it took. */
async function refusedOverHttp(query: string, variables: Record<string, unknown> = {}, headers: Record<string, string> = {}) {
  subgraphRequests = 0;
  const started = performance.now();
  const res = await gql(stack.url, query, variables, headers);
  const ms = performance.now() - started;
  expect(subgraphRequests).toBe(0);
  expect(res.status).toBe(400);
  return { ...res, ms };
}

/** One operation over graphql-ws: an `error` message (refused before running) or its one result. */
function overSocket(
  client: Client,
  query: string,
  variables: Record<string, unknown> = {},
): Promise<{ errors?: unknown[]; data?: unknown }> {
  return new Promise((resolve) => {
    let result: { errors?: unknown[]; data?: unknown } = {};
    client.subscribe(
      { query, variables },
      {
        next: (value) => void (result = value as typeof result),
        error: (errors) => resolve({ errors: Array.isArray(errors) ? errors : [errors] }),
        complete: () => resolve(result),
      },
    );
  });
}

test('finding 1: the six-level membership query is refused for its depth at once, before any subgraph is called', async () => {
  const res = await refusedOverHttp(memberships(6), {}, alice.headers);
  expect(res.body.errors).toEqual(refusedBy('depth', 10));
  expect(res.body.errors![0]!.message).toBe('The operation nests fields 14 deep, more than the limit of 10.');
  expect(res.ms).toBeLessThan(500);
});

test('under the depth limit, nested lists that multiply past the cost limit are refused too', async () => {
  // depth 8, but 10 × 10 × 10 × 10 memberships in the worst case
  const res = await refusedOverHttp(memberships(3, 'memberships { role }'), {}, alice.headers);
  expect(res.body.errors).toEqual(refusedBy('cost', 5000));
  expect(res.body.errors![0]!.message).toMatch(
    /cost 12222 is over the limit of 5000 \(a list counts as its first\/last argument, else 10 items\)/,
  );
});

test('`first` counts: the same page query is refused at 100 items and answered at 2, through three subgraphs at the depth limit', async () => {
  const query = `query($n: Int!) { prompts(first: $n) { edges { node { createdBy { memberships { organization { subscription { plan { limits { feature } } } } } } } } } }`;
  expect((await refusedOverHttp(query, { n: 100 }, alice.headers)).body.errors).toEqual(refusedBy('cost', 5000));
  const created = await gql(stack.url, `mutation { createPrompt(input: { name: "Deep", template: "t" }) { id } }`, {}, alice.headers);
  expect(created.body.errors).toBeUndefined();
  const answered = await gql(stack.url, query, { n: 2 }, alice.headers);
  expect(answered.body.errors).toBeUndefined();
  const [edge] = answered.body.data.prompts.edges;
  expect(edge.node.createdBy.memberships).toHaveLength(10);
  expect(edge.node.createdBy.memberships[0].organization.subscription.plan.limits).toEqual(expect.arrayContaining([{ feature: 'seats' }]));
});

test('finding 2: 5,000 aliases of plans, anonymous, are refused in milliseconds with the event loop free', async () => {
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const res = await refusedOverHttp(aliases(5000));
  loop.disable();
  // Parsing stops at the 2,001st token: the aliases are never validated, planned or fetched.
  expect(res.body.errors).toEqual(refusedBy('tokens', 2000));
  expect(res.ms).toBeLessThan(500);
  expect(loop.max / 1e6).toBeLessThan(200);
});

test('aliases, and directives, over their limits but within the token limit are refused naming the limit', async () => {
  expect((await refusedOverHttp(aliases(16))).body.errors).toEqual(refusedBy('aliases', 15));
  const directives = `{ plans { ${Array.from({ length: 21 }, () => 'id @include(if: true)').join(' ')} } }`;
  expect((await refusedOverHttp(directives)).body.errors).toEqual(refusedBy('directives', 20));
  // At the limits, the gateway's own fetches pass every subgraph's limits too.
  const atLimit = await gql(
    stack.url,
    aliases(15, 'me { memberships { organization { subscription { plan { key } } } } }'),
    {},
    alice.headers,
  );
  expect(atLimit.body.errors).toBeUndefined();
  expect(Object.keys(atLimit.body.data)).toHaveLength(15);
});

test('queries nested 1,000 and 1,800 levels are a client error (400), not INTERNAL_SERVER_ERROR or a stack overflow', async () => {
  for (const levels of [1000, 1800]) {
    const res = await refusedOverHttp(nestedFields(levels));
    expect(res.body.errors).toEqual(refusedBy('tokens', 2000));
  }
});

test('over graphql-ws, queries and subscriptions meet the same guards, with no subgraph called', async () => {
  const client = wsClient(stack.url, bearer(alice.accessToken));
  try {
    subgraphRequests = 0;
    // Queries run through Apollo (executeOperation)…
    expect((await overSocket(client, memberships(6))).errors).toEqual(refusedBy('depth', 10));
    expect((await overSocket(client, aliases(16))).errors).toEqual(refusedBy('aliases', 15));
    expect((await overSocket(client, memberships(3, 'memberships { role }'))).errors).toEqual(refusedBy('cost', 5000));
    // …a document too long for the socket's own parse never reaches Apollo…
    expect((await overSocket(client, aliases(5000))).errors).toEqual(refusedBy('tokens', 2000));
    // …and subscriptions are parsed, validated and costed by the gateway's subscription layer.
    const live = (selection: string) => `subscription { metricRecorded(name: "x") { recordedBy { ${selection} } } }`;
    expect((await overSocket(client, live(`${'memberships { user { '.repeat(5)}id${' } }'.repeat(5)}`))).errors).toEqual(
      refusedBy('depth', 10),
    );
    expect(
      (await overSocket(client, live('memberships { user { memberships { user { memberships { user { memberships { role } } } } } } }')))
        .errors,
    ).toEqual(refusedBy('cost', 5000));
    expect(
      (
        await overSocket(
          client,
          `subscription { ${Array.from({ length: 1000 }, (_, i) => `a${i}: metricRecorded(name: "x") { value }`).join(' ')} }`,
        )
      ).errors,
    ).toEqual(refusedBy('tokens', 2000));
    expect(subgraphRequests).toBe(0);
  } finally {
    await client.dispose();
  }
});

test('refused operations are counted with their outcome, over HTTP and over the socket', async () => {
  const samples = async () => (await (await fetch(new URL('/metrics', stack.url))).text()).split('\n');
  const count = (lines: string[], labels: string) =>
    Number(lines.find((l) => l.startsWith('lattice_graphql_operation_duration_seconds_count{') && l.includes(labels))?.split(' ')[1] ?? 0);
  const before = await samples();
  await refusedOverHttp(aliases(16));
  const client = wsClient(stack.url, bearer(alice.accessToken));
  try {
    await overSocket(
      client,
      `subscription { metricRecorded(name: "x") { ${'recordedBy { memberships { user { '.repeat(3)}id${' } } }'.repeat(3)} } }`,
    );
  } finally {
    await client.dispose();
  }
  const after = await samples();
  // A refused operation's name is the client's unchecked input: the series says "-".
  expect(
    count(after, 'operation="-",type="unknown",outcome="refused"') - count(before, 'operation="-",type="unknown",outcome="refused"'),
  ).toBe(1);
  expect(
    count(after, 'operation="-",type="subscription",outcome="refused"') -
      count(before, 'operation="-",type="subscription",outcome="refused"'),
  ).toBe(1);
});

test('every subgraph refuses, on its own port, operations past its own depth and alias limits', async () => {
  const accounts = stack.subgraphs.accounts!.url;
  const deep = await gql(accounts, memberships(6));
  expect(deep.status).toBe(400);
  expect(deep.body.errors).toEqual(refusedBy('depth', 12));
  const many = await gql(stack.subgraphs.billing!.url, aliases(41));
  expect(many.body.errors).toEqual(refusedBy('aliases', 40));
  // Over a subgraph's WebSocket (its subscriptions) too.
  const client = wsClient(stack.subgraphs.monitoring!.url);
  try {
    const result = await overSocket(client, `subscription { metricRecorded(name: "x") { ${aliases(41, 'value').slice(2, -2)} } }`);
    expect(result.errors).toEqual(refusedBy('aliases', 40));
  } finally {
    await client.dispose();
  }
});
