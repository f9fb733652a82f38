import { buildSchema as buildSdl, findBreakingChanges } from 'graphql';
import { gql, newOrgId, platformAdminPrincipal, principalHeaders, startStack, userPrincipal, type Stack } from '@lattice/testing';
import { buildSchema, createServer } from '../src/server';
import { FREE_PLAN_ID } from '../src/services/plan.service';

let stack: Stack;
let url: string;

beforeAll(async () => {
  stack = await startStack({ subgraphs: { billing: createServer } });
  url = stack.subgraphs.billing!.url;
});
afterAll(() => stack.stop());

const PLANS = `{ plans { id key name priceCents currency interval limits { feature limit } } }`;

test('plans are public, cheapest first, with their seeded prices and limits (null = unlimited)', async () => {
  const res = await gql(url, PLANS); // no principal header at all
  expect(res.body.errors).toBeUndefined();
  const plans = res.body.data.plans;
  expect(plans.map((p: { key: string }) => p.key)).toEqual(['free', 'pro', 'enterprise']);
  expect(plans[0]).toEqual({
    id: FREE_PLAN_ID,
    key: 'free',
    name: 'Free',
    priceCents: 0,
    currency: 'USD',
    interval: 'MONTH',
    limits: [
      { feature: 'prompt_runs', limit: 100 },
      { feature: 'tokens', limit: 100000 },
      { feature: 'seats', limit: 3 },
      { feature: 'api_calls', limit: 1000 },
    ],
  });
  expect(plans[1]).toMatchObject({
    name: 'Pro',
    priceCents: 4900,
    currency: 'USD',
    interval: 'MONTH',
    limits: [
      { feature: 'prompt_runs', limit: 10000 },
      { feature: 'tokens', limit: 10000000 },
      { feature: 'seats', limit: 20 },
      { feature: 'api_calls', limit: 100000 },
    ],
  });
  expect(plans[2]).toMatchObject({ name: 'Enterprise', priceCents: 49900, currency: 'USD', interval: 'MONTH' });
  expect(plans[2].limits).toEqual(['prompt_runs', 'tokens', 'seats', 'api_calls'].map((feature) => ({ feature, limit: null })));
});

/** The Cache-Control header billing's Apollo Server answers a query with (from its @cacheControl hints). */
async function cacheControlOf(query: string, headers: Record<string, string> = {}, variables: Record<string, unknown> = {}) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { errors?: unknown };
  return { header: res.headers.get('cache-control'), errors: body.errors };
}

test('plans, with every field below them, are public for a minute; nothing else billing answers is cacheable', async () => {
  // What the gateway's response cache keys on: only these answers may be shared between callers.
  expect(await cacheControlOf(PLANS)).toEqual({ header: 'max-age=60, public', errors: undefined });
  const owner = await principalHeaders(stack.config.INTERNAL_TOKEN_SECRET, userPrincipal(newOrgId(), 'OWNER'));
  expect(await cacheControlOf(PLANS, owner)).toEqual({ header: 'max-age=60, public', errors: undefined });
  // An organization's subscription (an entity lookup from the gateway), even its plan: never.
  const entities = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Organization { subscription { status plan { name limits { limit } } } } } }`;
  const org = userPrincipal(newOrgId(), 'OWNER');
  const asMember = await principalHeaders(stack.config.INTERNAL_TOKEN_SECRET, org);
  expect(await cacheControlOf(entities, asMember, { r: [{ __typename: 'Organization', id: org.org }] })).toEqual({
    header: 'no-store',
    errors: undefined,
  });
  // Nor a mutation's answer, though it is a plan.
  const admin = await principalHeaders(stack.config.INTERNAL_TOKEN_SECRET, platformAdminPrincipal());
  const rename = `mutation { updatePlan(id: "${FREE_PLAN_ID}", input: { name: "Free" }) { name limits { limit } } }`;
  expect(await cacheControlOf(rename, admin)).toEqual({ header: 'no-store', errors: undefined });
  // The federation fields a gateway asks for are not hinted either.
  expect((await cacheControlOf(`{ _service { sdl } }`)).header).toBe('no-store');
});

// The billing part of the walking skeleton's public contract; type-graphql's defaults
// (Float, String ids, DateTimeISO) would show up here as breaking changes.
const CONTRACT = `
  scalar DateTime
  enum BillingInterval { MONTH YEAR }
  enum BillingSubscriptionStatus { TRIALING ACTIVE PAST_DUE CANCELED INCOMPLETE INCOMPLETE_EXPIRED UNPAID PAUSED }
  type PlanLimit { feature: String! limit: Int }
  type Plan { id: ID! name: String! priceCents: Int! currency: String! interval: BillingInterval! limits: [PlanLimit!]! }
  type BillingSubscription { id: ID! status: BillingSubscriptionStatus! plan: Plan! currentPeriodEnd: DateTime }
  type Organization { id: ID! subscription: BillingSubscription! }
  type Query { plans: [Plan!]! }
`;

test('the subgraph schema keeps the billing contract', async () => {
  expect(findBreakingChanges(buildSdl(CONTRACT), await buildSchema())).toEqual([]);
});
