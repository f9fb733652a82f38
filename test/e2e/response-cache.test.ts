import { randomUUID } from 'node:crypto';
import { AccessTokenSigner } from '@lattice/platform';
import { bearer, sleep, type Stack } from '@lattice/testing';
import { onboard, startProduct, type Onboarded } from './helpers';

// The gateway's response cache on the whole product: only answers every subgraph called public are
// shared (billing's `plans`), whoever asks; a plan edit is seen within a second.
let stack: Stack;
let alice: Onboarded;
let bob: Onboarded;
let staff: Onboarded;
let admin: Record<string, string>;

const PRO_PLAN_ID = '00000000-0000-4000-8000-000000000002';
const UPDATE = `mutation($id: ID!, $i: UpdatePlanInput!) { updatePlan(id: $id, input: $i) { id name } }`;

beforeAll(async () => {
  stack = await startProduct();
  [alice, bob] = await Promise.all([onboard(stack.url, 'Alice Cache'), onboard(stack.url, 'Bob Cache')]);
  // accounts has no platform staff yet: a token signed with its key, with the admin claim it would
  // carry. Acting in an organization of their own, so an audit entry that took it would show.
  const signer = await AccessTokenSigner.fromPem(stack.config.JWT_PRIVATE_KEY!, 600);
  staff = await onboard(stack.url, 'Platform Staff');
  const claims = { sub: staff.userId, sid: randomUUID(), org: staff.orgId, role: 'OWNER' as const, admin: true };
  admin = bearer(await signer.sign({ ...claims, memberships: [{ org: staff.orgId, role: 'OWNER' }] }));
});
afterAll(() => stack?.stop());

/** An HTTP POST to the gateway, with the response's headers. */
async function post(query: string, headers: Record<string, string> = {}, variables: Record<string, unknown> = {}) {
  const res = await fetch(stack.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query, variables }),
  });
  const body = (await res.json()) as { data?: any; errors?: Array<{ message: string; extensions?: Record<string, any> }> };
  return { body, cacheControl: res.headers.get('cache-control'), age: res.headers.get('age') };
}

/**
 * How many times billing ran a fetch of the client operation `name` (its /metrics: the gateway
 * names a subgraph fetch `<name>__billing__<n>`): real requests that reached billing, not a spy.
 */
async function billingRuns(name: string): Promise<number> {
  const text = await (await fetch(new URL('/metrics', stack.subgraphs.billing!.url))).text();
  const line = new RegExp(`^lattice_graphql_operation_duration_seconds_count\\{[^}]*operation="${name}__billing__\\d+"[^}]*\\} (\\d+)$`);
  return text
    .split('\n')
    .map((l) => line.exec(l))
    .reduce((sum, m) => sum + (m ? Number(m[1]) : 0), 0);
}

test('an anonymous public query is answered from the cache: billing is asked once, for signed-in callers too', async () => {
  const query = `query AnonymousPlans { plans { key name limits { feature limit } } }`;
  const first = await post(query);
  expect(first.body.errors).toBeUndefined();
  expect(first.body.data.plans.map((p: { key: string }) => p.key)).toEqual(['free', 'pro', 'enterprise']);
  expect(await billingRuns('AnonymousPlans')).toBe(1);

  const second = await post(query);
  expect(second.body).toEqual(first.body);
  expect(second.age).not.toBeNull(); // the response cache's mark on a hit
  // Only public fields can be in it, so a signed-in caller gets the same answer from it.
  expect((await post(query, alice.headers)).body).toEqual(first.body);
  expect(await billingRuns('AnonymousPlans')).toBe(1);
  // The gateway's own cache is invalidated on change; HTTP caches in front of it would not be.
  expect(second.cacheControl).toBe('no-cache');
  const metrics = await (await fetch(new URL('/metrics', stack.url))).text();
  expect(metrics).toMatch(/^lattice_gateway_response_cache_lookups_total\{result="hit"[^}]*\} [2-9]/m);
  expect(metrics).toMatch(/^lattice_gateway_response_cache_lookups_total\{result="miss"[^}]*\} [1-9]/m);
});

test('a query mixing public and private fields is never served from the cache: each caller gets their own', async () => {
  const query = `query Mixed { plans { name } me { email } }`;
  const asAlice = await post(query, alice.headers);
  expect(asAlice.body.data).toEqual({ plans: expect.any(Array), me: { email: alice.email } });
  expect((await post(query, bob.headers)).body.data.me).toEqual({ email: bob.email });
  expect((await post(query, alice.headers)).body.data.me).toEqual({ email: alice.email });
  expect((await post(query)).body.data.me).toBeNull();
  expect(await billingRuns('Mixed')).toBe(4);
  expect(asAlice.cacheControl).toBe('no-store');

  // Tenant data from billing itself (an organization's subscription), next to the public plans.
  const tenant = `query Tenant { plans { name } me { memberships { organization { id subscription { status plan { key } } } } } }`;
  const orgsOf = (res: Awaited<ReturnType<typeof post>>) =>
    res.body.data.me.memberships.map((m: { organization: { id: string } }) => m.organization.id);
  expect(orgsOf(await post(tenant, alice.headers))).toEqual([alice.orgId]);
  expect(orgsOf(await post(tenant, bob.headers))).toEqual([bob.orgId]);
});

test('a plan edit is visible in the cached plans within a second of the mutation answering', async () => {
  const query = `query EditedPlans { plans { id name } }`;
  const nameOfPro = async () => (await post(query)).body.data.plans.find((p: { id: string }) => p.id === PRO_PLAN_ID).name;
  expect(await nameOfPro()).toBe('Pro');
  expect(await nameOfPro()).toBe('Pro');
  expect(await billingRuns('EditedPlans')).toBe(1); // warm

  const renamed = await post(UPDATE, admin, { id: PRO_PLAN_ID, i: { name: 'Pro Plus' } });
  const answeredAt = Date.now();
  expect(renamed.body).toEqual({ data: { updatePlan: { id: PRO_PLAN_ID, name: 'Pro Plus' } } });
  let seen = await nameOfPro();
  while (seen !== 'Pro Plus' && Date.now() - answeredAt < 2000) {
    await sleep(10);
    seen = await nameOfPro();
  }
  expect(seen).toBe('Pro Plus');
  expect(Date.now() - answeredAt).toBeLessThan(1000);
  // And cached again from then on.
  const runs = await billingRuns('EditedPlans');
  expect(await nameOfPro()).toBe('Pro Plus');
  expect(await billingRuns('EditedPlans')).toBe(runs);
});

describe('updatePlan through the gateway', () => {
  const codeOf = (res: Awaited<ReturnType<typeof post>>) => res.body.errors?.[0]?.extensions?.code ?? 'OK';
  const accountsSql = (sql: string, params: unknown[] = []) =>
    stack.subgraphs.accounts!.server.runtime.orm.em.fork().getConnection().execute(sql, params) as Promise<Array<Record<string, any>>>;

  test('organization owners and anonymous callers are refused', async () => {
    const asOwner = await post(UPDATE, alice.headers, { id: PRO_PLAN_ID, i: { name: 'Mine now' } });
    expect(asOwner.body.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' }, message: expect.stringMatching(/platform admin/) });
    expect(codeOf(await post(UPDATE, {}, { id: PRO_PLAN_ID, i: { name: 'Anyone' } }))).toBe('UNAUTHENTICATED');
  });

  test('an unknown plan is NOT_FOUND, a bad name BAD_USER_INPUT naming the field', async () => {
    expect(codeOf(await post(UPDATE, admin, { id: randomUUID(), i: { name: 'Ghost' } }))).toBe('NOT_FOUND');
    const blank = await post(UPDATE, admin, { id: PRO_PLAN_ID, i: { name: '  ' } });
    expect(blank.body.errors?.[0]).toMatchObject({
      extensions: { code: 'BAD_USER_INPUT', fields: [{ path: ['input', 'name'], message: 'name must not be blank' }] },
    });
  });

  test('each edit leaves an audit entry: the admin, plan.update, the plan, what changed; no organization', async () => {
    const res = await post(UPDATE, admin, { id: PRO_PLAN_ID, i: { name: 'Pro Audited', stripePriceId: 'price_audit123' } });
    expect(res.body.errors).toBeUndefined();
    const entries = async () =>
      accountsSql(
        `select * from accounts.audit_entries where actor_id = ? and action = 'plan.update' and changes->'name'->>'after' = 'Pro Audited'`,
        [staff.userId],
      );
    const deadline = Date.now() + 10_000;
    while ((await entries()).length === 0 && Date.now() < deadline) await sleep(50);
    const [entry] = await entries();
    expect(entry).toMatchObject({
      actor_kind: 'USER',
      org_id: null,
      target_type: 'Plan',
      target_id: PRO_PLAN_ID,
      source: 'billing',
      changes: { name: { before: expect.any(String), after: 'Pro Audited' }, stripePriceId: { before: null, after: 'price_audit123' } },
    });
  });
});
