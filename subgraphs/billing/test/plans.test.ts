import { buildSchema as buildSdl, findBreakingChanges } from 'graphql';
import { gql, startStack, type Stack } from '@lattice/testing';
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
