import { randomUUID } from 'node:crypto';
import type { Principal } from '@lattice/platform';
import { apiKeyPrincipal, startStack, userPrincipal, type Stack } from '@lattice/testing';
import type { Context } from '../src/context';
import { createLoaders } from '../src/loaders';
import { resolveOrganizationReference } from '../src/resolvers/organization.reference';
import { createServer } from '../src/server';

/**
 * The tenant guards below the GraphQL layer, each called directly: the subscriptionByOrg loader,
 * and Organization.__resolveReference (which must consult it), so a guard that stops guarding
 * fails here even when another check on the _entities path would still catch the request.
 */
let stack: Stack;
const PRO_PLAN_ID = '00000000-0000-4000-8000-000000000002';
const ENTERPRISE_PLAN_ID = '00000000-0000-4000-8000-000000000003';
const orgA = randomUUID();
const orgB = randomUUID();

const runtime = () => stack.subgraphs.billing!.server.runtime;
const loadersAs = (principal: Principal | null) => createLoaders(runtime().scope(principal));
const contextAs = (principal: Principal | null): Context => {
  const scope = runtime().scope(principal);
  return { requestId: scope.request.id, principal, scope, loaders: createLoaders(scope), deps: undefined, pubsub: runtime().pubsub };
};
const codeOf = (value: unknown) => (value instanceof Error ? (value as { extensions?: { code?: string } }).extensions?.code : undefined);

beforeAll(async () => {
  stack = await startStack({ subgraphs: { billing: createServer } });
  // Both tenants have a row, so a leak would show a real plan and status rather than the free default.
  const conn = runtime().orm.em.fork().getConnection();
  for (const [org, plan, status] of [
    [orgA, PRO_PLAN_ID, 'TRIALING'],
    [orgB, ENTERPRISE_PLAN_ID, 'PAST_DUE'],
  ]) {
    await conn.execute(`insert into billing.subscriptions (id, org_id, plan_id, status) values (?, ?, ?, ?)`, [
      randomUUID(),
      org,
      plan,
      status,
    ]);
  }
});
afterAll(() => stack.stop());

describe('subscriptionByOrg loader', () => {
  test("another tenant's subscription is NOT_FOUND; the caller's own loads in the same batch", async () => {
    const results = await loadersAs(userPrincipal(orgA, 'VIEWER')).subscriptionByOrg.loadMany([orgA, orgB]);
    expect(results[0]).toMatchObject({ orgId: orgA, planId: PRO_PLAN_ID, status: 'TRIALING' });
    expect(codeOf(results[1])).toBe('NOT_FOUND');
    expect(JSON.stringify(results)).not.toContain(ENTERPRISE_PLAN_ID);
  });

  test('a member of both tenants (one of them inactive) reads both', async () => {
    const both = userPrincipal(orgA, 'VIEWER', [{ org: orgB, role: 'VIEWER' }]);
    const results = await loadersAs(both).subscriptionByOrg.loadMany([orgA, orgB]);
    expect(results).toEqual([
      expect.objectContaining({ orgId: orgA, planId: PRO_PLAN_ID }),
      expect.objectContaining({ orgId: orgB, planId: ENTERPRISE_PLAN_ID, status: 'PAST_DUE' }),
    ]);
  });

  test("an API key reads only its own organization's billing; no principal reads none", async () => {
    const key = await loadersAs(apiKeyPrincipal(orgA, ['billing:read'])).subscriptionByOrg.loadMany([orgA, orgB]);
    expect(key[0]).toMatchObject({ orgId: orgA, planId: PRO_PLAN_ID });
    expect(codeOf(key[1])).toBe('NOT_FOUND');
    const anonymous = await loadersAs(null).subscriptionByOrg.loadMany([orgA, orgB]);
    expect(anonymous.map(codeOf)).toEqual(['NOT_FOUND', 'NOT_FOUND']);
  });
});

describe('Organization.__resolveReference', () => {
  test("another tenant's organization is NOT_FOUND; a member's resolves (id lower-cased)", async () => {
    const ctx = contextAs(userPrincipal(orgA, 'VIEWER'));
    await expect(resolveOrganizationReference({ id: orgA.toUpperCase() }, ctx)).resolves.toEqual({ id: orgA });
    await expect(resolveOrganizationReference({ id: orgB }, ctx)).rejects.toMatchObject({ extensions: { code: 'NOT_FOUND' } });
    await expect(resolveOrganizationReference({ id: 'not-a-uuid' }, ctx)).rejects.toMatchObject({ extensions: { code: 'NOT_FOUND' } });
  });

  test('without a principal it is UNAUTHENTICATED', async () => {
    await expect(resolveOrganizationReference({ id: orgA }, contextAs(null))).rejects.toMatchObject({
      extensions: { code: 'UNAUTHENTICATED' },
    });
  });
});
