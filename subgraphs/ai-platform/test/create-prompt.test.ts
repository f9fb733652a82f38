import { randomUUID } from 'node:crypto';
import { PRINCIPAL_HEADER, signPrincipal } from '@lattice/platform';
import { apiKeyPrincipal, countStatements, gql, startStack, type Stack } from '@lattice/testing';
import { createServer } from '../src/server';
import { createPrompt } from '../src/services/prompt.service';
import { CREATE, countRows, headersAs, user, withoutActiveOrg } from './principals';

let stack: Stack;
let url: string;
const orgA = randomUUID();
const orgB = randomUUID();

beforeAll(async () => {
  stack = await startStack({ subgraphs: { 'ai-platform': createServer } });
  url = stack.subgraphs['ai-platform']!.url;
});
afterAll(() => stack.stop());

test('a MEMBER creates a prompt with version 1, created by them', async () => {
  const p = user(orgA);
  const res = await gql(
    url,
    CREATE,
    { input: { name: '  Greeting  ', template: 'Hello {{name}}', description: 'Says hi' } },
    await headersAs(stack, p),
  );
  expect(res.body.errors).toBeUndefined();
  const prompt = res.body.data.createPrompt;
  expect(prompt).toMatchObject({
    name: 'Greeting',
    description: 'Says hi',
    createdBy: { id: p.sub },
    latestVersion: { version: 1, template: 'Hello {{name}}' },
  });
  expect(prompt.latestVersion.createdAt).toBe(prompt.createdAt);
  expect(await countRows(stack, orgA)).toEqual({ prompts: 1, versions: 1 });
});

test('an API key creates prompts with no createdBy', async () => {
  const key = apiKeyPrincipal(orgB, ['prompts:write']);
  const res = await gql(url, CREATE, { input: { name: 'by key', template: 't' } }, await headersAs(stack, key));
  expect(res.body.data.createPrompt).toMatchObject({ description: null, createdBy: null });
});

test('a duplicate name in the same organization is a CONFLICT, ignoring case; other organizations may reuse it', async () => {
  const before = await countRows(stack, orgA);
  const dup = await gql(url, CREATE, { input: { name: 'GREETING', template: 'x' } }, await headersAs(stack, user(orgA)));
  expect(dup.body.errors?.[0].extensions?.code).toBe('CONFLICT');
  expect(dup.body.data ?? null).toBeNull();
  expect(await countRows(stack, orgA)).toEqual(before);
  const other = await gql(url, CREATE, { input: { name: 'greeting', template: 'x' } }, await headersAs(stack, user(orgB)));
  expect(other.body.errors).toBeUndefined();
});

test('VIEWERs, callers without an active organization, anonymous and forged callers get an error and no data', async () => {
  const input = { name: 'denied', template: 't' };
  const viewer = await gql(url, CREATE, { input }, await headersAs(stack, user(orgA, 'VIEWER')));
  expect(viewer.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  expect(viewer.body.data ?? null).toBeNull();
  // the role is checked before the input: a VIEWER is not told which field was wrong
  const viewerBad = await gql(url, CREATE, { input: { name: '', template: '' } }, await headersAs(stack, user(orgA, 'VIEWER')));
  expect(viewerBad.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  const noOrg = await gql(url, CREATE, { input }, await headersAs(stack, withoutActiveOrg([{ org: orgA, role: 'OWNER' }])));
  expect(noOrg.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  expect(noOrg.body.data ?? null).toBeNull();
  const anon = await gql(url, CREATE, { input });
  expect(anon.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  expect(anon.body.data ?? null).toBeNull();
  const forged = await gql(url, CREATE, { input }, { [PRINCIPAL_HEADER]: await signPrincipal(user(orgA), 'x'.repeat(40)) });
  expect(forged.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  expect(forged.body.data ?? null).toBeNull();
  const count = await stack.subgraphs['ai-platform']!.server.runtime.orm.em.fork()
    .getConnection()
    .execute(`select count(*)::int as n from ai.prompts where name = 'denied'`);
  expect(count[0].n).toBe(0);
});

test.each([
  ['name', 'empty', { name: '', template: 't' }],
  ['name', 'blank', { name: '   ', template: 't' }],
  ['name', 'over 200 characters', { name: 'n'.repeat(201), template: 't' }],
  ['template', 'empty', { name: 'ok', template: '' }],
  ['template', 'over 100000 characters', { name: 'ok', template: 't'.repeat(100_001) }],
  ['template', 'holding a NUL', { name: 'ok', template: 'nul \u0000 byte' }],
  ['description', 'over 2000 characters', { name: 'ok', template: 't', description: 'd'.repeat(2001) }],
])('%s %s is BAD_USER_INPUT naming it, and writes nothing', async (field, _what, input) => {
  const org = randomUUID();
  const res = await gql(url, CREATE, { input }, await headersAs(stack, user(org)));
  const extensions = res.body.errors?.[0].extensions;
  expect(extensions?.code).toBe('BAD_USER_INPUT');
  expect(extensions?.fields.length).toBeGreaterThan(0);
  for (const f of extensions?.fields ?? []) expect(f).toEqual({ path: ['input', field], message: expect.any(String) });
  expect(res.body.data ?? null).toBeNull();
  expect(await countRows(stack, org)).toEqual({ prompts: 0, versions: 0 });
});

test('the limits themselves are accepted', async () => {
  const input = { name: 'n'.repeat(200), template: 't'.repeat(100_000), description: 'd'.repeat(2000) };
  const res = await gql(url, CREATE, { input }, await headersAs(stack, user(randomUUID())));
  expect(res.body.errors).toBeUndefined();
});

test('prompt and version are written in one transaction: a failing version leaves no prompt', async () => {
  const org = randomUUID();
  const orm = stack.subgraphs['ai-platform']!.server.runtime.orm;
  const statements = countStatements(orm);
  try {
    // Bypasses input validation on purpose: PostgreSQL rejects the NUL in the version's template.
    await expect(
      createPrompt(stack.subgraphs['ai-platform']!.server.runtime.scope(user(org)), { name: 'half', template: 'bad \u0000' }),
    ).rejects.toThrow();
  } finally {
    statements.stop();
  }
  // the prompt row was inserted before the version failed, and rolled back with it
  expect(statements.statements.some((sql) => /insert into "ai"."prompts"/.test(sql))).toBe(true);
  expect(await countRows(stack, org)).toEqual({ prompts: 0, versions: 0 });
});
