import { randomUUID } from 'node:crypto';
import { AccessTokenSigner, PRINCIPAL_HEADER, signPrincipal } from '@lattice/platform';
import { bearer, countStatements, gql, userPrincipal, type Stack } from '@lattice/testing';
import { onboard, startProduct, type Onboarded } from './helpers';

let stack: Stack;
let alice: Onboarded;
let bob: Onboarded;

beforeAll(async () => {
  stack = await startProduct();
  alice = await onboard(stack.url, 'Alice Inc');
  bob = await onboard(stack.url, 'Bob GmbH');
});
afterAll(() => stack.stop());

const CREATE_PROMPT = `mutation($i: CreatePromptInput!) { createPrompt(input: $i) { id name latestVersion { version template } createdBy { email } } }`;
const RECORD = `mutation($i: RecordMetricInput!) { recordMetric(input: $i) { name value recordedBy { email } } }`;

test('one query touches all four subgraphs', async () => {
  const prompt = await gql(stack.url, CREATE_PROMPT, { i: { name: 'Greeter', template: 'Hello {{name}}' } }, alice.headers);
  expect(prompt.body.errors).toBeUndefined();
  expect(prompt.body.data.createPrompt).toMatchObject({
    name: 'Greeter',
    latestVersion: { version: 1, template: 'Hello {{name}}' },
    createdBy: { email: alice.email },
  });
  const from = new Date(Date.now() - 60_000);
  const recorded = await gql(stack.url, RECORD, { i: { name: 'latency_ms', value: 42 } }, alice.headers);
  expect(recorded.body.data.recordMetric).toEqual({ name: 'latency_ms', value: 42, recordedBy: { email: alice.email } });

  const res = await gql(
    stack.url,
    `query($from: DateTime!, $to: DateTime!) {
      me { email memberships { role organization { name subscription { status plan { name priceCents currency limits { feature limit } } } } } }
      prompts(first: 10) { edges { node { name createdBy { email } latestVersion { version } } } pageInfo { hasNextPage endCursor } }
      metricSeries(name: "latency_ms", from: $from, to: $to, bucketSeconds: 120) { count avg }
      plans { name priceCents }
    }`,
    { from: from.toISOString(), to: new Date(from.getTime() + 120_000).toISOString() },
    alice.headers,
  );
  expect(res.body.errors).toBeUndefined();
  expect(res.body.data.me).toEqual({
    email: alice.email,
    memberships: [
      {
        role: 'OWNER',
        organization: {
          name: 'Alice Inc',
          subscription: {
            status: 'ACTIVE',
            plan: {
              name: 'Free',
              priceCents: 0,
              currency: 'USD',
              limits: expect.arrayContaining([{ feature: 'prompt_runs', limit: 100 }]),
            },
          },
        },
      },
    ],
  });
  expect(res.body.data.prompts.edges).toEqual([
    { node: { name: 'Greeter', createdBy: { email: alice.email }, latestVersion: { version: 1 } } },
  ]);
  expect(res.body.data.metricSeries).toEqual([{ count: 1, avg: 42 }]);
  expect(res.body.data.plans.map((p: { name: string }) => p.name)).toEqual(['Free', 'Pro', 'Enterprise']);
});

test('tenants are isolated: bob sees none of alice, and cannot act for her organization', async () => {
  await gql(stack.url, CREATE_PROMPT, { i: { name: 'Alice secret', template: 'x' } }, alice.headers);
  const prompts = await gql(stack.url, `{ prompts { edges { node { name } } } }`, {}, bob.headers);
  expect(prompts.body.data.prompts.edges).toEqual([]);
  const switched = await gql(
    stack.url,
    `mutation($id: ID!) { switchOrganization(organizationId: $id) { accessToken } }`,
    { id: alice.orgId },
    bob.headers,
  );
  expect(switched.body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  expect(switched.body.data).toBeNull();
});

test('anonymous, invalid and expired credentials', async () => {
  const anon = await gql(stack.url, `{ me { id } plans { name } }`);
  expect(anon.body.data.me).toBeNull();
  expect(anon.body.data.plans).toHaveLength(3);
  const anonPrompts = await gql(stack.url, `{ prompts { edges { cursor } } }`);
  expect(anonPrompts.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  expect(anonPrompts.body.data).toBeNull();
  const garbage = await gql(stack.url, `{ me { id } }`, {}, bearer('not.a.jwt'));
  expect(garbage.status).toBe(401);
  expect(garbage.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  expect(garbage.body.data).toBeUndefined();
  // a token whose signature is valid in shape but made with another key
  const [h, p] = alice.accessToken.split('.');
  const forged = await gql(stack.url, `{ me { id } }`, {}, bearer(`${h}.${p}.${'A'.repeat(86)}`));
  expect(forged.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  // genuinely signed with accounts' key: accepted while fresh, refused once expired
  const claims = { sub: alice.userId, sid: randomUUID(), org: null, role: null, memberships: [] };
  const fresh = await gql(
    stack.url,
    `{ me { id } }`,
    {},
    bearer(await (await AccessTokenSigner.fromPem(stack.config.JWT_PRIVATE_KEY!, 60)).sign(claims)),
  );
  expect(fresh.body.data.me).toEqual({ id: alice.userId });
  const expired = await gql(
    stack.url,
    `{ me { id } }`,
    {},
    bearer(await (await AccessTokenSigner.fromPem(stack.config.JWT_PRIVATE_KEY!, -10)).sign(claims)),
  );
  expect(expired.status).toBe(401);
  expect(expired.body.errors?.[0]).toMatchObject({ extensions: { code: 'UNAUTHENTICATED' }, message: expect.stringMatching(/expired/) });
});

test('a user without an active organization is FORBIDDEN from organization-scoped calls', async () => {
  const signUp = await gql(
    stack.url,
    `mutation { signUp(input: { email: "loner@example.com", password: "a long password", name: "Loner" }) { accessToken } }`,
  );
  const headers = bearer(signUp.body.data.signUp.accessToken);
  const res = await gql(stack.url, CREATE_PROMPT, { i: { name: 'x', template: 'y' } }, headers);
  expect(res.body.errors?.[0]).toMatchObject({
    extensions: { code: 'FORBIDDEN' },
    message: expect.stringMatching(/no active organization/i),
  });
});

test('a subscription sent over HTTP is BAD_REQUEST with status 400', async () => {
  const res = await gql(stack.url, `subscription { metricRecorded(name: "x") { value } }`, {}, alice.headers);
  expect(res.status).toBe(400);
  expect(res.body.errors?.[0].extensions?.code).toBe('BAD_REQUEST');
});

test('subgraphs called directly serve only public fields without the internal token, and reject forged ones', async () => {
  const accountsUrl = stack.subgraphs.accounts!.url;
  const billingUrl = stack.subgraphs.billing!.url;
  expect((await gql(accountsUrl, `{ me { id } }`)).body).toEqual({ data: { me: null } });
  expect((await gql(billingUrl, `{ plans { name } }`)).body.data.plans).toHaveLength(3);
  const forRealUser = userPrincipal(alice.orgId, 'OWNER', [], alice.userId);
  const entities = `query($r: [_Any!]!) { _entities(representations: $r) { ... on Organization { subscription { status } } } }`;
  const reps = { r: [{ __typename: 'Organization', id: alice.orgId }] };
  const none = await gql(billingUrl, entities, reps);
  expect(none.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  const forged = await gql(billingUrl, entities, reps, { [PRINCIPAL_HEADER]: await signPrincipal(forRealUser, 'f'.repeat(64)) });
  expect(forged.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  expect(forged.body.data ?? null).toBeNull();
  // a genuine principal of bob with a forged representation of alice's organization
  const asBob = { ...forRealUser, sub: bob.userId, org: bob.orgId, memberships: [{ org: bob.orgId, role: 'OWNER' as const }] };
  const wrongTenant = await gql(billingUrl, entities, reps, {
    [PRINCIPAL_HEADER]: await signPrincipal(asBob, stack.config.INTERNAL_TOKEN_SECRET),
  });
  expect(wrongTenant.body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  expect(wrongTenant.body.data._entities).toEqual([null]);
  const promptOfAlice = (await gql(stack.url, `{ prompts(first: 1) { edges { node { id } } } }`, {}, alice.headers)).body.data.prompts
    .edges[0].node.id;
  const prompt = await gql(
    stack.subgraphs['ai-platform']!.url,
    `query($r: [_Any!]!) { _entities(representations: $r) { ... on Prompt { name } } }`,
    { r: [{ __typename: 'Prompt', id: promptOfAlice }] },
    {
      [PRINCIPAL_HEADER]: await signPrincipal(asBob, stack.config.INTERNAL_TOKEN_SECRET),
    },
  );
  expect(prompt.body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  expect(prompt.body.data._entities).toEqual([null]);
});

test('bad input is BAD_USER_INPUT naming the field, unknown ids NOT_FOUND, and nothing is written', async () => {
  const promptCount = async () =>
    (await gql(stack.url, `{ prompts(first: 100) { edges { cursor } } }`, {}, alice.headers)).body.data.prompts.edges.length;
  const accountsRows = async () =>
    (
      await stack.subgraphs
        .accounts!.server.runtime.orm.em.fork()
        .getConnection()
        .execute(
          `select (select count(*) from accounts.users)::int as users, (select count(*) from accounts.organizations)::int as organizations,
              (select count(*) from accounts.memberships)::int as memberships`,
        )
    )[0];
  const before = await promptCount();
  const accountsBefore = await accountsRows();
  const cases: Array<[string, Record<string, unknown>, string[]]> = [
    [
      `mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }`,
      { i: { email: 'nope', password: 'a long password', name: 'N' } },
      ['input', 'email'],
    ],
    [
      `mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }`,
      { i: { email: 'ok@example.com', password: 'short', name: 'N' } },
      ['input', 'password'],
    ],
    [
      `mutation($i: SignUpInput!) { signUp(input: $i) { accessToken } }`,
      { i: { email: 'ok@example.com', password: 'a long password', name: '' } },
      ['input', 'name'],
    ],
    [
      `mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }`,
      { i: { name: 'x'.repeat(101) } },
      ['input', 'name'],
    ],
    [`mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }`, { i: { name: '' } }, ['input', 'name']],
    [`mutation($i: CreatePromptInput!) { createPrompt(input: $i) { id } }`, { i: { name: '', template: 't' } }, ['input', 'name']],
    [`mutation($id: ID!) { switchOrganization(organizationId: $id) { accessToken } }`, { id: '12' }, ['organizationId']],
    [`query { prompts(first: 101) { edges { cursor } } }`, {}, ['first']],
    [`query { prompts(after: "bm90IGEgY3Vyc29y") { edges { cursor } } }`, {}, ['after']],
  ];
  for (const [query, variables, path] of cases) {
    const res = await gql(stack.url, query, variables, alice.headers);
    expect(res.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    expect(res.body.errors?.[0].extensions?.fields).toContainEqual(expect.objectContaining({ path }));
  }
  const unknown = await gql(
    stack.url,
    `mutation($id: ID!) { switchOrganization(organizationId: $id) { accessToken } }`,
    { id: randomUUID() },
    alice.headers,
  );
  expect(unknown.body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  expect(await promptCount()).toBe(before);
  expect(await accountsRows()).toEqual(accountsBefore);
});

test('createdBy is batched: accounts runs as many statements for 50 prompts as for 5', async () => {
  const carol = await onboard(stack.url, 'Carol Co');
  const dave = await onboard(stack.url, 'Dave Co');
  const statementsFor = async (who: Onboarded, n: number) => {
    for (let i = 0; i < n; i++) {
      const res = await gql(stack.url, CREATE_PROMPT, { i: { name: `p${i}`, template: 't' } }, who.headers);
      expect(res.body.errors).toBeUndefined();
    }
    const counter = countStatements(stack.subgraphs.accounts!.server.runtime.orm);
    const res = await gql(stack.url, `{ prompts(first: 50) { edges { node { createdBy { email } } } } }`, {}, who.headers);
    counter.stop();
    expect(res.body.data.prompts.edges).toHaveLength(n);
    expect(res.body.data.prompts.edges.every((e: any) => e.node.createdBy.email === who.email)).toBe(true);
    return counter.count;
  };
  const five = await statementsFor(carol, 5);
  const fifty = await statementsFor(dave, 50);
  expect(five).toBeGreaterThan(0);
  expect(fifty).toBe(five);
});
