import { randomUUID } from 'node:crypto';
import { gql, startStack, type Stack } from '@lattice/testing';
import { createServer } from '../src/server';
import { CREATE, headersAs, user, withoutActiveOrg } from './principals';

let stack: Stack;
let url: string;
const orgA = randomUUID();
const orgB = randomUUID();
let promptA: string;
let promptB: string;

const ENTITIES = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Prompt { id name createdBy { id } latestVersion { version } } } }`;
const ref = (id: string) => ({ __typename: 'Prompt', id });

beforeAll(async () => {
  stack = await startStack({ subgraphs: { 'ai-platform': createServer } });
  url = stack.subgraphs['ai-platform']!.url;
  const create = async (org: string, name: string) =>
    (await gql(url, CREATE, { input: { name, template: 't' } }, await headersAs(stack, user(org)))).body.data.createPrompt.id as string;
  promptA = await create(orgA, 'a');
  promptB = await create(orgB, 'b');
});
afterAll(() => stack.stop());

test('a prompt resolves by reference for members of its organization, active or not', async () => {
  const res = await gql(url, ENTITIES, { r: [ref(promptA)] }, await headersAs(stack, user(orgA, 'VIEWER')));
  expect(res.body.errors).toBeUndefined();
  expect(res.body.data._entities).toEqual([
    { id: promptA, name: 'a', createdBy: { id: expect.any(String) }, latestVersion: { version: 1 } },
  ]);
  const inactive = await gql(
    url,
    ENTITIES,
    { r: [ref(promptA), ref(promptB.toUpperCase())] },
    await headersAs(
      stack,
      withoutActiveOrg([
        { org: orgA, role: 'VIEWER' },
        { org: orgB, role: 'MEMBER' },
      ]),
    ),
  );
  expect(inactive.body.errors).toBeUndefined();
  expect(inactive.body.data._entities.map((e: { name: string }) => e.name)).toEqual(['a', 'b']);
});

test("another organization's prompt, an unknown or malformed id are NOT_FOUND", async () => {
  const headers = await headersAs(stack, user(orgA));
  for (const id of [promptB, randomUUID(), 'not-an-id']) {
    const res = await gql(url, ENTITIES, { r: [ref(id)] }, headers);
    expect(res.body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
    expect(res.body.data._entities).toEqual([null]);
  }
});

test('a reference without a principal is UNAUTHENTICATED', async () => {
  const res = await gql(url, ENTITIES, { r: [ref(promptA)] });
  expect(res.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  expect(res.body.data._entities).toEqual([null]);
});
