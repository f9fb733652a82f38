/**
 * The subscription layer leans on internals of @apollo/gateway, @apollo/query-planner and
 * @apollo/federation-internals that are not a stable public API. These tests pin the behaviour
 * it relies on, so an upgrade that changes any of it fails here, loudly, before in production.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ApolloGateway, buildOperationContext, executeQueryPlan, type GraphQLDataSource, type ServiceMap } from '@apollo/gateway';
import { operationFromDocument, Supergraph } from '@apollo/federation-internals';
import { QueryPlanner, type FetchNode, type FlattenNode, type SequenceNode } from '@apollo/query-planner';
import { Kind, parse, validate, type FormattedExecutionResult } from 'graphql';
import { EVENT_SOURCE, eventQueryPlan } from '../src/subscriptions/execute-event';
import { planSubscription, snapshotOf, trackSupergraph } from '../src/subscriptions/planner';

const root = join(__dirname, '../..');
const sdl = readFileSync(join(root, 'supergraph.graphql'), 'utf8');
const supergraph = Supergraph.build(sdl);
const apiSchema = supergraph.apiSchema().toGraphQLJSSchema();

const SUBSCRIPTION = `subscription Live($n: String!, $withEmail: Boolean!) {
  metricRecorded(name: $n) {
    value
    recorded: at
    recordedBy { email @include(if: $withEmail) memberships { organization { name subscription { plan { name } } } } }
  }
}`;

type RequestContext = Parameters<typeof executeQueryPlan>[2];
const requestContextFor = (variables: Record<string, unknown>) =>
  ({ request: { query: SUBSCRIPTION, variables }, context: {}, logger: console, metrics: {} }) as unknown as RequestContext;

/** A stand-in subgraph that records what it was asked and answers with `respond`. */
function fakeService(respond: (variables: Record<string, any>) => FormattedExecutionResult) {
  const calls: Array<{ query: string; variables: Record<string, any> }> = [];
  const source: GraphQLDataSource = {
    async process({ request }) {
      calls.push({ query: request.query!, variables: request.variables ?? {} });
      return respond(request.variables ?? {});
    },
  };
  return { source, calls };
}

const event = (id: string): FormattedExecutionResult => ({
  data: { metricRecorded: { value: 42, recorded: '2025-01-01T00:00:00.000Z', recordedBy: { __typename: 'User', id } } },
});

test('the planner packages are pinned to exactly the version these tests were written against', () => {
  const pinned = JSON.parse(readFileSync(join(root, 'gateway/package.json'), 'utf8')).dependencies;
  for (const name of ['@apollo/gateway', '@apollo/query-planner', '@apollo/federation-internals']) {
    expect(pinned[name]).toBe('2.14.4');
    expect(JSON.parse(readFileSync(require.resolve(`${name}/package.json`), 'utf8')).version).toBe('2.14.4');
  }
});

test('QueryPlanner.buildQueryPlan plans a subscription as Subscription { primary Fetch, rest }', () => {
  const operation = operationFromDocument(supergraph.apiSchema(), parse(SUBSCRIPTION), { operationName: 'Live' });
  const { node } = new QueryPlanner(supergraph).buildQueryPlan(operation);
  expect(node?.kind).toBe('Subscription');
  if (node?.kind !== 'Subscription') return;
  expect(node.primary).toMatchObject({ kind: 'Fetch', serviceName: 'monitoring', operationKind: 'subscription', variableUsages: ['n'] });
  expect(node.primary.requires).toBeUndefined();
  expect(node.primary.operation).toMatch(
    /^subscription \w+\(\$n:String!\)\{metricRecorded\(name:\$n\)\{value recorded:at recordedBy\{__typename id\}\}\}$/,
  );
  // The variable only the accounts fetch uses is not among the primary's: it is not sent upstream.
  const rest = node.rest as SequenceNode;
  expect(rest.kind).toBe('Sequence');
  const [accounts, billing] = rest.nodes as FlattenNode[];
  expect(accounts).toMatchObject({
    kind: 'Flatten',
    path: ['metricRecorded', 'recordedBy'],
    node: { kind: 'Fetch', serviceName: 'accounts', variableUsages: ['withEmail'] },
  });
  expect((accounts!.node as FetchNode).requires).toBeDefined();
  expect(billing).toMatchObject({
    kind: 'Flatten',
    path: ['metricRecorded', 'recordedBy', 'memberships', '@', 'organization'],
    node: { kind: 'Fetch', serviceName: 'billing' },
  });
});

test('a subscription without fields of other subgraphs plans no rest', () => {
  const operation = operationFromDocument(supergraph.apiSchema(), parse(`subscription { metricRecorded(name: "x") { value } }`), {});
  const { node } = new QueryPlanner(supergraph).buildQueryPlan(operation);
  expect(node).toMatchObject({ kind: 'Subscription', primary: { kind: 'Fetch', serviceName: 'monitoring' } });
  expect(node?.kind === 'Subscription' && node.rest).toBeFalsy();
});

test('onSchemaLoadOrUpdate hands over each new core supergraph SDL, and the planner follows it', async () => {
  let update: ((sdl: string) => void) | undefined;
  const gateway = new ApolloGateway({
    supergraphSdl: async (options) => {
      update = options.update;
      return { supergraphSdl: sdl };
    },
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  });
  const tracked = trackSupergraph(gateway);
  try {
    await gateway.load();
    const first = tracked.current()!;
    const renamed = parse(`subscription { metricStream(name: "x") { value } }`);
    expect(validate(first.apiSchema, renamed)).not.toEqual([]);

    update!(sdl.replace('metricRecorded(name: String!): MetricPoint!', 'metricStream(name: String!): MetricPoint!'));
    const second = tracked.current()!;
    expect(second).not.toBe(first);
    expect(validate(second.apiSchema, renamed)).toEqual([]);
    expect(planSubscription(second, renamed, 'renamed').primary).toMatchObject({
      serviceName: 'monitoring',
      operation: expect.stringContaining('metricStream'),
    });
  } finally {
    tracked.dispose();
    await gateway.stop();
  }
});

test('buildOperationContext picks the named operation and collects its fragments', () => {
  const document = parse(
    `subscription A { metricRecorded(name: "a") { ...F } } subscription B { metricRecorded(name: "b") { value } } fragment F on MetricPoint { value }`,
  );
  const context = buildOperationContext({ schema: apiSchema, operationDocument: document, operationName: 'A' });
  expect(context.schema).toBe(apiSchema);
  expect(context.operation.kind).toBe(Kind.OPERATION_DEFINITION);
  expect(context.operation.name?.value).toBe('A');
  expect(Object.keys(context.fragments)).toEqual(['F']);
  expect(() => buildOperationContext({ schema: apiSchema, operationDocument: document })).toThrow(/operation name/i);
});

describe('executeQueryPlan with the event as a pseudo service', () => {
  const snapshot = snapshotOf(sdl, apiSchema);
  const plan = planSubscription(snapshot, parse(SUBSCRIPTION), SUBSCRIPTION, 'Live');
  const accountsAnswer = (vars: Record<string, any>) => ({
    data: {
      _entities: vars.representations.map((r: { id: string }) => ({
        email: `${r.id}@example.com`,
        memberships: [{ organization: { __typename: 'Organization', id: `org-of-${r.id}`, name: 'Acme' } }],
      })),
    },
  });
  const billingAnswer = (vars: Record<string, any>) => ({
    data: { _entities: vars.representations.map(() => ({ subscription: { plan: { name: 'Free' } } })) },
  });
  const run = (services: ServiceMap, variables: Record<string, unknown>) =>
    executeQueryPlan(
      eventQueryPlan(plan),
      services,
      requestContextFor(variables),
      plan.operationContext,
      snapshot.supergraphSchema,
      snapshot.api,
    );

  test('merges the event at the root and fills in the other subgraphs’ fields', async () => {
    const accounts = fakeService(accountsAnswer);
    const billing = fakeService(billingAnswer);
    const result = await run(
      { [EVENT_SOURCE]: fakeService(() => event('u1')).source, accounts: accounts.source, billing: billing.source },
      { n: 'latency', withEmail: true },
    );
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      metricRecorded: {
        value: 42,
        recorded: '2025-01-01T00:00:00.000Z',
        recordedBy: {
          email: 'u1@example.com',
          memberships: [{ organization: { name: 'Acme', subscription: { plan: { name: 'Free' } } } }],
        },
      },
    });
    expect(accounts.calls).toHaveLength(1);
    expect(accounts.calls[0]!.variables).toEqual({ representations: [{ __typename: 'User', id: 'u1' }], withEmail: true });
    expect(billing.calls[0]!.variables).toEqual({ representations: [{ __typename: 'Organization', id: 'org-of-u1' }] });
  });

  test('errors of the event pass through with their code; a failing entity fetch is an error, not a throw', async () => {
    const denied = await run(
      {
        [EVENT_SOURCE]: fakeService(() => ({
          data: null,
          errors: [{ message: 'Authentication required', path: ['metricRecorded'], extensions: { code: 'UNAUTHENTICATED' } }],
        })).source,
        accounts: fakeService(accountsAnswer).source,
        billing: fakeService(billingAnswer).source,
      },
      { n: 'latency', withEmail: true },
    );
    expect(denied.data).toBeNull();
    expect(denied.errors?.[0]?.extensions).toMatchObject({ code: 'UNAUTHENTICATED', serviceName: EVENT_SOURCE });

    const broken: GraphQLDataSource = {
      async process() {
        throw new Error('connect ECONNREFUSED');
      },
    };
    const partial = await run(
      { [EVENT_SOURCE]: fakeService(() => event('u2')).source, accounts: fakeService(accountsAnswer).source, billing: broken },
      { n: 'x', withEmail: false },
    );
    expect(partial.errors?.map((e) => e.message)).toEqual(['connect ECONNREFUSED']);
    // Organization.subscription is non-null, and so is everything up to the nullable recordedBy.
    expect(partial.data).toEqual({ metricRecorded: { value: 42, recorded: '2025-01-01T00:00:00.000Z', recordedBy: null } });
  });

  test('still refuses a plan whose root is a Subscription node (so the gateway itself does not execute them)', async () => {
    const operation = operationFromDocument(snapshot.api, parse(SUBSCRIPTION), { operationName: 'Live' });
    const queryPlan = snapshot.planner.buildQueryPlan(operation);
    await expect(
      executeQueryPlan(
        queryPlan,
        {},
        requestContextFor({ n: 'x', withEmail: true }),
        plan.operationContext,
        snapshot.supergraphSchema,
        snapshot.api,
      ),
    ).rejects.toThrow(/subscriptions not supported/);
  });
});
