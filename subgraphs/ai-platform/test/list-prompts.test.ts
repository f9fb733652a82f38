import { randomUUID } from 'node:crypto';
import { countStatements, gql, startStack, type GraphQLResponse, type Stack } from '@lattice/testing';
import { createServer } from '../src/server';
import { CREATE, LIST, headersAs, user, withoutActiveOrg } from './principals';

let stack: Stack;
let url: string;

beforeAll(async () => {
  stack = await startStack({ subgraphs: { 'ai-platform': createServer } });
  url = stack.subgraphs['ai-platform']!.url;
});
afterAll(() => stack.stop());

interface Node {
  id: string;
  name: string;
  createdAt: string;
}

async function seed(org: string, count: number, prefix = 'p'): Promise<void> {
  const headers = await headersAs(stack, user(org));
  for (let i = 0; i < count; i++) {
    const res = await gql(url, CREATE, { input: { name: `${prefix}${i}`, template: `t${i}` } }, headers);
    expect(res.body.errors).toBeUndefined();
  }
}

/** Newest first, id descending among equal timestamps: the order the list promises. */
const newestFirst = (a: Node, b: Node) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id);

async function listAll(headers: Record<string, string>, first: number): Promise<{ pages: number; nodes: Node[] }> {
  const nodes: Node[] = [];
  let after: string | null = null;
  for (let pages = 1; ; pages++) {
    const res: GraphQLResponse = await gql(url, LIST, { first, after }, headers);
    expect(res.body.errors).toBeUndefined();
    const { edges, pageInfo } = res.body.data.prompts;
    expect(pageInfo.endCursor).toBe(edges.at(-1)?.cursor ?? null);
    nodes.push(...edges.map((e: { node: Node }) => e.node));
    if (!pageInfo.hasNextPage) return { pages, nodes };
    after = pageInfo.endCursor;
  }
}

describe('an organization with 25 prompts', () => {
  const org = randomUUID();
  const other = randomUUID();
  beforeAll(async () => {
    await seed(org, 25);
    await seed(other, 3, 'other');
  });

  test('pages of 20 by default, newest first, then the rest', async () => {
    const headers = await headersAs(stack, user(org, 'VIEWER'));
    const first = await gql(url, LIST, {}, headers);
    expect(first.body.errors).toBeUndefined();
    const page1 = first.body.data.prompts;
    expect(page1.edges).toHaveLength(20);
    expect(page1.pageInfo).toEqual({ hasNextPage: true, endCursor: page1.edges[19].cursor });
    const second = await gql(url, LIST, { after: page1.pageInfo.endCursor }, headers);
    const page2 = second.body.data.prompts;
    expect(page2.edges).toHaveLength(5);
    expect(page2.pageInfo).toEqual({ hasNextPage: false, endCursor: page2.edges[4].cursor });

    const nodes: Node[] = [...page1.edges, ...page2.edges].map((e) => e.node);
    expect(new Set(nodes.map((n) => n.id)).size).toBe(25);
    expect(nodes).toEqual([...nodes].sort(newestFirst));
    expect(nodes[24].name).toBe('p0');
    for (const n of nodes) expect(n).toMatchObject({ latestVersion: { version: 1, template: `t${n.name.slice(1)}` } });
  });

  test('walking pages of 7 visits every prompt once, in order', async () => {
    const headers = await headersAs(stack, user(org, 'VIEWER'));
    const walk = await listAll(headers, 7);
    expect(walk.pages).toBe(4);
    expect(walk.nodes).toHaveLength(25);
    expect(walk.nodes).toEqual([...walk.nodes].sort(newestFirst));
    const all = await listAll(headers, 100);
    expect(walk.nodes).toEqual(all.nodes);
  });

  test('a cursor stays valid when newer prompts are added between pages', async () => {
    const headers = await headersAs(stack, user(org));
    const page1 = (await gql(url, LIST, { first: 10 }, headers)).body.data.prompts;
    await gql(url, CREATE, { input: { name: 'newcomer', template: 't' } }, headers);
    const page2 = (await gql(url, LIST, { first: 10, after: page1.pageInfo.endCursor }, headers)).body.data.prompts;
    const ids = [...page1.edges, ...page2.edges].map((e) => e.node.id);
    expect(new Set(ids).size).toBe(20);
    expect(page2.edges.map((e: { node: Node }) => e.node.name)).not.toContain('newcomer');
    await stack.subgraphs['ai-platform']!.server.runtime.orm.em.fork()
      .getConnection()
      .execute(`delete from ai.prompts where name = 'newcomer'`);
  });

  test("another organization's prompts are invisible", async () => {
    const { nodes } = await listAll(await headersAs(stack, user(other, 'VIEWER')), 100);
    expect(nodes.map((n) => n.name).sort()).toEqual(['other0', 'other1', 'other2']);
    // a member of both sees only the active one
    const both = user(other, 'OWNER', [{ org, role: 'OWNER' }]);
    expect((await listAll(await headersAs(stack, both), 100)).nodes).toHaveLength(3);
  });

  test('latestVersion is the highest version', async () => {
    const headers = await headersAs(stack, user(org));
    const [edge] = (await gql(url, LIST, { first: 1 }, headers)).body.data.prompts.edges;
    await stack.subgraphs['ai-platform']!.server.runtime.orm.em.fork()
      .getConnection()
      .execute(
        `insert into ai.prompt_versions (id, prompt_id, version, template, created_at) values (?, ?, 3, 'v3', now()), (?, ?, 2, 'v2', now())`,
        [randomUUID(), edge.node.id, randomUUID(), edge.node.id],
      );
    const [again] = (await gql(url, LIST, { first: 1 }, headers)).body.data.prompts.edges;
    expect(again.node.latestVersion).toEqual({ version: 3, template: 'v3' });
  });
});

test('an empty organization has an empty page', async () => {
  const res = await gql(url, LIST, {}, await headersAs(stack, user(randomUUID())));
  expect(res.body.data.prompts).toEqual({ edges: [], pageInfo: { hasNextPage: false, endCursor: null } });
});

test.each([[101], [0], [-1]])('first: %d is BAD_USER_INPUT naming first', async (first) => {
  const res = await gql(url, LIST, { first }, await headersAs(stack, user(randomUUID())));
  expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ path: ['first'] }] });
  expect(res.body.data ?? null).toBeNull();
});

const cursorOf = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

test.each([
  ['garbage', 'not a cursor'],
  ['a non-uuid id', cursorOf(['2026-01-01T00:00:00.000Z', "x' or 1=1"])],
  ['an invalid date', cursorOf(['yesterday', randomUUID()])],
  ['a date PostgreSQL cannot hold', cursorOf(['-200000-01-01T00:00:00.000Z', randomUUID()])],
])('a cursor that is %s is BAD_USER_INPUT naming after', async (_what, after) => {
  const res = await gql(url, LIST, { after }, await headersAs(stack, user(randomUUID())));
  expect(res.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ path: ['after'] }] });
  expect(res.body.data ?? null).toBeNull();
});

test('listing needs a principal and an active organization', async () => {
  const anon = await gql(url, LIST, {});
  expect(anon.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  expect(anon.body.data ?? null).toBeNull();
  const noOrg = await gql(url, LIST, {}, await headersAs(stack, withoutActiveOrg([{ org: randomUUID(), role: 'OWNER' }])));
  expect(noOrg.body.errors?.[0].extensions?.code).toBe('FORBIDDEN');
  expect(noOrg.body.data ?? null).toBeNull();
});

test('listing with latestVersion costs the same number of statements for 5 and 50 prompts', async () => {
  const org = randomUUID();
  const headers = await headersAs(stack, user(org));
  const statements = countStatements(stack.subgraphs['ai-platform']!.server.runtime.orm);
  const measure = async (expected: number) => {
    statements.reset();
    const res = await gql(url, LIST, { first: 100 }, headers);
    expect(res.body.data.prompts.edges).toHaveLength(expected);
    return statements.count;
  };
  try {
    await seed(org, 5, 'small');
    const five = await measure(5);
    await seed(org, 45, 'more');
    const fifty = await measure(50);
    expect(fifty).toBe(five);
    expect(five).toBe(2); // one page query, one batched latestVersion query
  } finally {
    statements.stop();
  }
});
