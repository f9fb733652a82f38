import { randomUUID } from 'node:crypto';
import type { Principal } from '@lattice/platform';
import { apiKeyPrincipal, startStack, type Stack } from '@lattice/testing';
import { PromptEntity } from '../src/entities';
import { createLoaders } from '../src/loaders';
import { createServer } from '../src/server';
import { user, withoutActiveOrg } from './principals';

/**
 * The promptById loader is the tenant guard of Prompt.__resolveReference. Called directly, so no
 * other check (the resolver, the service) can hide a loader that stopped filtering by tenant.
 */
let stack: Stack;
const orgA = randomUUID();
const orgB = randomUUID();
let promptA: string;
let promptB: string;

const loadersAs = (principal: Principal | null) => createLoaders(stack.subgraphs['ai-platform']!.server.runtime.scope(principal));

beforeAll(async () => {
  stack = await startStack({ subgraphs: { 'ai-platform': createServer } });
  // Rows of two tenants, written straight to the database: no policy involved in the fixture.
  const em = stack.subgraphs['ai-platform']!.server.runtime.orm.em.fork();
  const a = em.create(PromptEntity, { orgId: orgA, name: 'tenant a', createdAt: new Date() });
  const b = em.create(PromptEntity, { orgId: orgB, name: 'tenant b', createdAt: new Date() });
  await em.flush();
  [promptA, promptB] = [a.id, b.id];
});
afterAll(() => stack.stop());

test("promptById: another tenant's prompt is null; the caller's own loads in the same batch", async () => {
  const found = await loadersAs(user(orgA, 'VIEWER')).promptById.loadMany([promptA, promptB]);
  expect(found).toEqual([expect.objectContaining({ id: promptA, orgId: orgA, name: 'tenant a' }), null]);
});

test('promptById: a member of both tenants (without an active organization) sees both', async () => {
  const both = withoutActiveOrg([
    { org: orgA, role: 'VIEWER' },
    { org: orgB, role: 'VIEWER' },
  ]);
  const found = await loadersAs(both).promptById.loadMany([promptB, promptA]);
  expect(found.map((p) => (p as PromptEntity | null)?.name)).toEqual(['tenant b', 'tenant a']);
});

test("promptById: an API key sees only its own organization's prompts; no principal sees none", async () => {
  expect(await loadersAs(apiKeyPrincipal(orgB, ['prompts:read'])).promptById.loadMany([promptA, promptB])).toEqual([
    null,
    expect.objectContaining({ id: promptB }),
  ]);
  expect(await loadersAs(null).promptById.loadMany([promptA, promptB])).toEqual([null, null]);
});
