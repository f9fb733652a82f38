import { createGateway } from '@lattice/gateway';
import { gql, principalHeaders, startStack, testConfig, userPrincipal, wsClient, type Stack } from '@lattice/testing';
import { SUBGRAPH_FACTORIES } from './helpers';

// Issue 7, finding 7: in production the schema is not told to clients (introspection, "Did you
// mean …" suggestions, a subgraph's SDL) unless GRAPHQL_INTROSPECTION=true says so.
let production: Stack;
let opened: Stack | undefined;

beforeAll(async () => {
  production = await startStack({
    subgraphs: SUBGRAPH_FACTORIES,
    gateway: createGateway,
    config: await testConfig({ NODE_ENV: 'production' }),
  });
});
afterAll(async () => {
  await production.stop();
  await opened?.stop();
});

const INTROSPECTION = '{ __schema { types { name } } }';
const TYPO = '{ plan { id } }'; // `plans`
const messages = (res: { body: { errors?: Array<{ message: string }> } }) => (res.body.errors ?? []).map((e) => e.message).join('\n');

test('in production the gateway answers no introspection, over HTTP', async () => {
  for (const query of [INTROSPECTION, '{ __type(name: "User") { fields { name } } }']) {
    const res = await gql(production.url, query);
    expect(res.status).toBe(400);
    expect(res.body.data).toBeUndefined();
    expect(res.body.errors).toEqual([
      expect.objectContaining({
        message: expect.stringMatching(/introspection is not allowed/),
        extensions: { code: 'GRAPHQL_VALIDATION_FAILED', validationErrorCode: 'INTROSPECTION_DISABLED' },
      }),
    ]);
  }
});

test('in production validation errors suggest no field names, over HTTP and over graphql-ws', async () => {
  const res = await gql(production.url, TYPO);
  expect(res.body.errors).toEqual([
    expect.objectContaining({ message: 'Cannot query field "plan" on type "Query".', extensions: { code: 'GRAPHQL_VALIDATION_FAILED' } }),
  ]);

  // Variables are coerced after validation, by Apollo and by the gateway's executor: no suggestion there either.
  const signUp = 'mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }';
  const misspelt = { i: { emial: 'a@example.com', password: 'a long password', name: 'A' } };
  for (const url of [production.url, production.subgraphs.accounts!.url]) {
    const coerced = await gql(url, signUp, misspelt);
    expect(coerced.body.errors).toContainEqual(
      expect.objectContaining({ message: expect.stringMatching(/Field "emial" is not defined by type "SignUpInput"\.$/) }),
    );
    expect(JSON.stringify(coerced.body)).not.toMatch(/Did you mean/);
  }

  const client = wsClient(production.url);
  try {
    // A subscription is validated by the gateway's subscription layer, not by Apollo.
    const errors = await new Promise<unknown>((resolve) =>
      client.subscribe(
        { query: 'subscription { metricRecord(name: "x") { value } }' },
        { next: () => {}, error: resolve, complete: () => resolve(undefined) },
      ),
    );
    expect(errors).toEqual([expect.objectContaining({ message: 'Cannot query field "metricRecord" on type "Subscription".' })]);
  } finally {
    await client.dispose();
  }
});

test("in production a subgraph serves its SDL and introspection to the gateway's principal only", async () => {
  const accounts = production.subgraphs.accounts!.url;
  const anonymous = await gql(accounts, '{ _service { sdl } }');
  expect(anonymous.body.data).toBeNull();
  expect(anonymous.body.errors).toEqual([
    expect.objectContaining({ message: 'The subgraph schema is served to the gateway only', extensions: { code: 'UNAUTHENTICATED' } }),
  ]);
  const aliased = await gql(accounts, '{ ...S } fragment S on Query { x: _service { sdl } }');
  expect(aliased.body.data).toBeNull();
  expect((await gql(accounts, INTROSPECTION)).status).toBe(400);

  const withPrincipal = await gql(
    accounts,
    '{ _service { sdl } }',
    {},
    await principalHeaders(production.config.INTERNAL_TOKEN_SECRET, userPrincipal(null)),
  );
  expect(withPrincipal.body.errors).toBeUndefined();
  expect(withPrincipal.body.data._service.sdl).toContain('type User');
});

test('GRAPHQL_INTROSPECTION=true turns introspection and suggestions back on in production', async () => {
  opened = await startStack({
    subgraphs: {},
    gateway: createGateway,
    config: await testConfig({ NODE_ENV: 'production', GRAPHQL_INTROSPECTION: 'true' }),
  });
  const res = await gql(opened.url, INTROSPECTION);
  expect(res.body.errors).toBeUndefined();
  expect(res.body.data.__schema.types).toEqual(expect.arrayContaining([{ name: 'User' }]));
  expect(messages(await gql(opened.url, TYPO))).toMatch(/Did you mean "plans"\?/);
});
