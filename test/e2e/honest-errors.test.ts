import { PRINCIPAL_HEADER, signPrincipal } from '@lattice/platform';
import { gql, userPrincipal, type Stack } from '@lattice/testing';
import { onboard, startProduct, type Onboarded } from './helpers';

/**
 * Honest errors (issue 7, finding 8): input a subgraph cannot store or parse is the client's
 * mistake, BAD_USER_INPUT naming the field, never a database error masked as
 * INTERNAL_SERVER_ERROR; a body that is not JSON or too large is a JSON error with its status.
 */
let stack: Stack;
let alice: Onboarded;

beforeAll(async () => {
  stack = await startProduct();
  alice = await onboard(stack.url, 'Alice Honest');
});
afterAll(() => stack.stop());

type Field = { path: (string | number)[]; message: string };
const badInput = (res: Awaited<ReturnType<typeof gql>>): Field[] => {
  expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  expect(res.body.data ?? null).toBeNull();
  return res.body.errors![0]!.extensions!.fields as Field[];
};
const SIGN_UP = `mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }`;
const CREATE_ORG = `mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }`;
const RECORD = `mutation($i: RecordMetricInput!) { recordMetric(input: $i) { name labels at } }`;

test.each([
  ['NUL', 'Eve\u0000Null'],
  ['an escape sequence', 'Eve \u001b[31mRed'],
  ['DEL', 'Eve\u007f'],
  ['a C1 control', 'Eve\u0085'],
])('signUp.name with %s is BAD_USER_INPUT naming input.name, and no account is made', async (_what, name) => {
  const email = `control.${Date.now()}.${Math.random()}@example.com`;
  const res = await gql(stack.url, SIGN_UP, { i: { email, password: 'a long password', name } });
  expect(badInput(res)).toEqual([{ path: ['input', 'name'], message: expect.stringContaining('control characters') }]);
  const logIn = await gql(stack.url, `mutation($i: LogInInput!) { logIn(input: $i) { accessToken } }`, {
    i: { email, password: 'a long password' },
  });
  expect(logIn.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
});

test('createOrganization.name with NUL is BAD_USER_INPUT naming input.name', async () => {
  const res = await gql(stack.url, CREATE_ORG, { i: { name: 'Acme\u0000' } }, alice.headers);
  expect(badInput(res)).toEqual([{ path: ['input', 'name'], message: expect.stringContaining('control characters') }]);
});

test('metric labels (a JSON scalar): a control character in a value or a key is BAD_USER_INPUT naming the label', async () => {
  const value = await gql(stack.url, RECORD, { i: { name: 'cpu', value: 1, labels: { env: 'prod\u0000', host: 'a' } } }, alice.headers);
  expect(badInput(value)).toEqual([{ path: ['input', 'labels', 'env'], message: expect.stringContaining('control characters') }]);
  const key = await gql(stack.url, RECORD, { i: { name: 'cpu', value: 1, labels: { 'e\u0000nv': 'prod' } } }, alice.headers);
  expect(badInput(key)).toEqual([{ path: ['input', 'labels', 'e\u0000nv'], message: expect.stringContaining('control characters') }]);
});

test('tab, line feed and carriage return are text, not control characters to refuse', async () => {
  const template = 'Line one\r\n\tindented {{name}}\nline three';
  const prompt = await gql(
    stack.url,
    `mutation($i: CreatePromptInput!) { createPrompt(input: $i) { id } }`,
    { i: { name: 'Multi-line', template } },
    alice.headers,
  );
  expect(prompt.body.errors).toBeUndefined();
  const labels = await gql(stack.url, RECORD, { i: { name: 'cpu', value: 1, labels: { note: 'a\tb' } } }, alice.headers);
  expect(labels.body.errors).toBeUndefined();
});

test('an invalid DateTime is BAD_USER_INPUT naming the field or argument, in a variable or a literal, at the gateway and at the subgraph', async () => {
  const inVariable = await gql(stack.url, RECORD, { i: { name: 'cpu', value: 1, at: 'not-a-date' } }, alice.headers);
  expect(badInput(inVariable)).toEqual([{ path: ['input', 'at'], message: expect.stringContaining('date-time') }]);

  const SERIES_LITERAL = `{ metricSeries(name: "cpu", from: "not-a-date", to: "2026-01-02T00:00:00Z", bucketSeconds: 60) { count } }`;
  const literal = await gql(stack.url, SERIES_LITERAL, {}, alice.headers);
  expect(badInput(literal)).toEqual([{ path: ['from'], message: expect.stringContaining('date-time') }]);
  expect(literal.status).toBe(200);

  const SERIES = `query($from: DateTime!, $to: DateTime!) { metricSeries(name: "cpu", from: $from, to: $to, bucketSeconds: 60) { count } }`;
  const variables = await gql(stack.url, SERIES, { from: '2026-01-01T00:00:00Z', to: 'tomorrow' }, alice.headers);
  expect(badInput(variables)).toEqual([{ path: ['to'], message: expect.stringContaining('date-time') }]);

  // The subgraph itself says the same (it is reachable on its own port).
  const token = await signPrincipal(userPrincipal(alice.orgId, 'OWNER', [], alice.userId), stack.config.INTERNAL_TOKEN_SECRET);
  const direct = await gql(stack.subgraphs.monitoring!.url, SERIES_LITERAL, {}, { [PRINCIPAL_HEADER]: token });
  expect(direct.status).toBe(200);
  expect(badInput(direct)).toEqual([{ path: ['from'], message: expect.stringContaining('date-time') }]);

  const valid = await gql(stack.url, SERIES, { from: '2026-01-01T00:00:00Z', to: '2026-01-01T00:02:00Z' }, alice.headers);
  expect(valid.body.errors).toBeUndefined();
});

const post = async (body: string, headers: Record<string, string> = {}) => {
  const res = await fetch(stack.url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const text = await res.text();
  return { status: res.status, contentType: res.headers.get('content-type') ?? '', text };
};

test('a body that is not JSON is HTTP 400 with a JSON GraphQL error, never an HTML page or a stack trace', async () => {
  const res = await post('{"query": "{ plans { key } }",');
  expect(res.status).toBe(400);
  expect(res.contentType).toMatch(/^application\/json/);
  expect(res.text).not.toMatch(/<html|<pre|\n\s+at /i);
  expect(JSON.parse(res.text)).toEqual({
    errors: [{ message: 'The request body is not valid JSON', extensions: { code: 'BAD_REQUEST', requestId: expect.any(String) } }],
  });
});

test('a body over 1 MiB is HTTP 413 with a JSON GraphQL error', async () => {
  const res = await post(JSON.stringify({ query: `{ plans { key } }`, variables: { padding: 'x'.repeat(1024 * 1024) } }));
  expect(res.status).toBe(413);
  expect(res.contentType).toMatch(/^application\/json/);
  expect(JSON.parse(res.text).errors[0]).toMatchObject({
    message: expect.stringContaining('larger than'),
    extensions: { code: 'BAD_REQUEST' },
  });
});
