import { randomUUID } from 'node:crypto';
import type { OrgRole, Principal } from '@lattice/platform';
import { apiKeyPrincipal, countStatements, startStack, userPrincipal, userWithoutActiveOrg, type Stack } from '@lattice/testing';
import { MembershipEntity } from '../src/entities/membership.entity';
import { OrganizationEntity } from '../src/entities/organization.entity';
import { UserEntity } from '../src/entities/user.entity';
import { createLoaders } from '../src/loaders';
import { createServer } from '../src/server';

/**
 * accounts' loaders decide visibility in SQL from the memberships table. Each one is called
 * directly, so a filter that stops filtering fails here even if a resolver above would catch it.
 *
 *   shared:   alice (OWNER), carol (MEMBER)
 *   private:  bob (OWNER)                       -- nobody alice knows
 *   carols:   carol (OWNER)                     -- carol's other organization, alice is not in it
 */
let stack: Stack;
const id = { alice: '', bob: '', carol: '', shared: '', private: '', carols: '' };

const loadersAs = (principal: Principal | null) => createLoaders(stack.subgraphs.accounts!.server.runtime.scope(principal));
/** A user principal for `sub`; the token's memberships are empty on purpose: the loaders must read the table. */
const as = (sub: string) => userPrincipal(null, 'MEMBER', [], sub);
const ids = <T extends { id: string } | null>(rows: Array<T | Error>) => rows.map((r) => (r instanceof Error ? r : (r?.id ?? null)));

beforeAll(async () => {
  stack = await startStack({ subgraphs: { accounts: createServer } });
  const em = stack.subgraphs.accounts!.server.runtime.orm.em.fork();
  const user = (name: string) => em.create(UserEntity, { email: `${name}.${randomUUID()}@example.com`, name, passwordHash: 'x' });
  const org = (name: string) => em.create(OrganizationEntity, { name, slug: `${name}-${randomUUID()}` });
  const [alice, bob, carol] = [user('alice'), user('bob'), user('carol')];
  const [shared, priv, carols] = [org('shared'), org('private'), org('carols')];
  await em.flush();
  const member = (u: UserEntity, o: OrganizationEntity, role: OrgRole) => em.create(MembershipEntity, { userId: u.id, orgId: o.id, role });
  member(alice, shared, 'OWNER');
  member(carol, shared, 'MEMBER');
  member(bob, priv, 'OWNER');
  member(carol, carols, 'OWNER');
  await em.flush();
  Object.assign(id, { alice: alice.id, bob: bob.id, carol: carol.id, shared: shared.id, private: priv.id, carols: carols.id });
});
afterAll(() => stack.stop());

test('visibleUser: the caller and users sharing an organization with it; anyone else is null', async () => {
  const seen = await loadersAs(as(id.alice)).visibleUser.loadMany([id.alice, id.bob, id.carol, randomUUID()]);
  expect(ids(seen)).toEqual([id.alice, null, id.carol, null]);
  // bob shares nothing with anyone: he sees only himself
  expect(ids(await loadersAs(as(id.bob)).visibleUser.loadMany([id.alice, id.bob, id.carol]))).toEqual([null, id.bob, null]);
});

test('visibleOrganization: only organizations the caller belongs to, whatever the token claims', async () => {
  expect(ids(await loadersAs(as(id.alice)).visibleOrganization.loadMany([id.shared, id.private, id.carols]))).toEqual([
    id.shared,
    null,
    null,
  ]);
  // a token claiming membership of bob's organization does not make it visible: the table decides
  const claims = userPrincipal(id.private, 'OWNER', [], id.alice);
  expect(ids(await loadersAs(claims).visibleOrganization.loadMany([id.private, id.shared]))).toEqual([null, id.shared]);
});

test("sharedMemberships: another user's memberships only in organizations the caller shares", async () => {
  const memberships = await loadersAs(as(id.alice)).sharedMemberships.loadMany([id.carol, id.bob, id.alice]);
  const orgsOf = (ms: unknown) => (ms as MembershipEntity[]).map((m) => m.orgId);
  expect(orgsOf(memberships[0])).toEqual([id.shared]); // not carol's own organization
  expect(orgsOf(memberships[1])).toEqual([]); // bob's organization is not alice's
  expect(orgsOf(memberships[2])).toEqual([id.shared]);
  // carol sees both of her own
  expect(orgsOf(await loadersAs(as(id.carol)).sharedMemberships.load(id.carol)).sort()).toEqual([id.shared, id.carols].sort());
});

test('sharedMemberships primes visibleOrganization with the shared organizations only, with their columns', async () => {
  const loaders = loadersAs(as(id.alice));
  const statements = countStatements(stack.subgraphs.accounts!.server.runtime.orm);
  try {
    await loaders.sharedMemberships.load(id.carol);
    const primed = await loaders.visibleOrganization.load(id.shared);
    expect(statements.count).toBe(1); // the organization came with the memberships
    expect(primed).toMatchObject({ id: id.shared, name: 'shared', slug: expect.stringMatching(/^shared-/) });
    expect(primed?.createdAt).toBeInstanceOf(Date);
    // carol's other organization was not among them, and stays invisible to alice
    expect(await loaders.visibleOrganization.load(id.carols)).toBeNull();
  } finally {
    statements.stop();
  }
});

test('anonymous, an API key, and a user of no organization see nobody else through the loaders', async () => {
  for (const principal of [null, apiKeyPrincipal(id.shared, ['accounts:read']), userWithoutActiveOrg()]) {
    const loaders = loadersAs(principal);
    expect(await loaders.visibleUser.loadMany([id.alice, id.carol])).toEqual([null, null]);
    expect(await loaders.visibleOrganization.load(id.shared)).toBeNull();
    expect(await loaders.sharedMemberships.load(id.alice)).toEqual([]);
  }
});
