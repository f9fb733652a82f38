import { randomUUID } from 'node:crypto';
import type { Principal } from '@lattice/platform';
import { countStatements, gql, principalHeaders, startStack, userPrincipal, userWithoutActiveOrg, type Stack } from '@lattice/testing';
import { createServer } from '../src/server';

let stack: Stack;
let url: string;
const PRO_PLAN_ID = '00000000-0000-4000-8000-000000000002';

/** A VIEWER of every one of `orgs`, acting in the first. */
const memberOf = (...orgs: string[]): Principal =>
  orgs.length
    ? userPrincipal(
        orgs[0]!,
        'VIEWER',
        orgs.slice(1).map((org) => ({ org, role: 'VIEWER' as const })),
      )
    : userWithoutActiveOrg();
const as = (p: Principal, secret = stack.config.INTERNAL_TOKEN_SECRET) => principalHeaders(secret, p);

/** What the gateway sends billing to fill in Organization.subscription. */
const ENTITIES = `query($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Organization { id subscription { id status currentPeriodEnd plan { name limits { feature limit } } } }
  } }`;
const entities = async (orgIds: string[], headers: Record<string, string> = {}) =>
  gql(url, ENTITIES, { representations: orgIds.map((id) => ({ __typename: 'Organization', id })) }, headers);

const insertSubscription = (orgId: string, planId: string, status: string, periodEnd: string | null) =>
  stack.subgraphs
    .billing!.server.runtime.orm.em.fork()
    .getConnection()
    .execute(`insert into billing.subscriptions (id, org_id, plan_id, status, current_period_end) values (?, ?, ?, ?, ?)`, [
      randomUUID(),
      orgId,
      planId,
      status,
      periodEnd,
    ]);

beforeAll(async () => {
  stack = await startStack({ subgraphs: { billing: createServer } });
  url = stack.subgraphs.billing!.url;
});
afterAll(() => stack.stop());

test('an organization without a subscription is on free and ACTIVE, with a stable id, and nothing is written', async () => {
  const org = randomUUID();
  const headers = await as(memberOf(org));
  const first = await entities([org], headers);
  expect(first.body.errors).toBeUndefined();
  expect(first.body.data._entities).toEqual([
    {
      id: org,
      subscription: {
        id: expect.any(String),
        status: 'ACTIVE',
        currentPeriodEnd: null,
        plan: { name: 'Free', limits: expect.arrayContaining([{ feature: 'seats', limit: 3 }]) },
      },
    },
  ]);
  const again = await entities([org], headers);
  expect(again.body.data._entities[0].subscription.id).toBe(first.body.data._entities[0].subscription.id);
  const rows = await stack.subgraphs
    .billing!.server.runtime.orm.em.fork()
    .getConnection()
    .execute(`select count(*)::int as n from billing.subscriptions where org_id = ?`, [org]);
  expect(rows[0].n).toBe(0);
});

test('a subscription row is reflected: plan, status and period end', async () => {
  const org = randomUUID();
  await insertSubscription(org, PRO_PLAN_ID, 'TRIALING', '2026-12-31T00:00:00Z');
  const res = await entities([org], await as(memberOf(org)));
  expect(res.body.errors).toBeUndefined();
  expect(res.body.data._entities[0].subscription).toMatchObject({
    status: 'TRIALING',
    currentPeriodEnd: '2026-12-31T00:00:00.000Z',
    plan: { name: 'Pro', limits: expect.arrayContaining([{ feature: 'seats', limit: 20 }]) },
  });
});

test("another tenant's organization is NOT_FOUND, with no data", async () => {
  const org = randomUUID();
  await insertSubscription(org, PRO_PLAN_ID, 'ACTIVE', null);
  const res = await entities([org], await as(memberOf(randomUUID())));
  expect(res.body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  expect(res.body.data).toEqual({ _entities: [null] });
  expect(JSON.stringify(res.body)).not.toContain('Pro');
});

test('in a mixed batch only the foreign organization fails; the member still gets its own', async () => {
  const mine = randomUUID();
  const res = await entities([mine, randomUUID()], await as(memberOf(mine)));
  expect(res.body.data._entities[0]).toMatchObject({ id: mine, subscription: { status: 'ACTIVE', plan: { name: 'Free' } } });
  expect(res.body.data._entities[1]).toBeNull();
  expect(res.body.errors).toHaveLength(1);
  expect(res.body.errors?.[0]).toMatchObject({ path: ['_entities', 1], extensions: { code: 'NOT_FOUND' } });
});

test('a malformed id is NOT_FOUND', async () => {
  const res = await entities(['not-a-uuid'], await as(memberOf(randomUUID())));
  expect(res.body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  expect(res.body.data).toEqual({ _entities: [null] });
});

test('without a principal an organization is UNAUTHENTICATED; a forged principal token too', async () => {
  const org = randomUUID();
  const anon = await entities([org]);
  expect(anon.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  expect(anon.body.data).toEqual({ _entities: [null] });
  const forged = await entities([org], await as(memberOf(org), 'x'.repeat(40)));
  expect(forged.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  expect(forged.body.data ?? null).toBeNull();
});

test('subscriptions and plans of many organizations cost as many statements as of one', async () => {
  const orgs = Array.from({ length: 5 }, () => randomUUID());
  // a mix of rows and no rows, and of plans, so every loader has several keys
  await insertSubscription(orgs[1], PRO_PLAN_ID, 'ACTIVE', null);
  await insertSubscription(orgs[3], '00000000-0000-4000-8000-000000000003', 'PAST_DUE', null);
  const headers = await as(memberOf(...orgs));
  const counter = countStatements(stack.subgraphs.billing!.server.runtime.orm);
  try {
    const one = await entities(orgs.slice(0, 1), headers);
    expect(one.body.errors).toBeUndefined();
    const forOne = counter.count;
    counter.reset();
    const five = await entities(orgs, headers);
    expect(five.body.errors).toBeUndefined();
    expect(five.body.data._entities.map((e: any) => e.subscription.plan.name)).toEqual(['Free', 'Pro', 'Free', 'Enterprise', 'Free']);
    expect(counter.count).toBe(forOne);
    expect(counter.count).toBeLessThanOrEqual(3); // subscriptions; plans with limits (joined, or select-in)
  } finally {
    counter.stop();
  }
});
