import { AccessTokenVerifier, PRINCIPAL_HEADER, principalFromAccessClaims, signPrincipal, type Principal } from '@lattice/platform';
import { gql, startStack, type Stack } from '@lattice/testing';
import { createServer } from '../src/server';

let stack: Stack;
let url: string;
let verifier: AccessTokenVerifier;

beforeAll(async () => {
  stack = await startStack({ subgraphs: { accounts: createServer } });
  url = stack.subgraphs.accounts!.url;
  verifier = await AccessTokenVerifier.fromPem(stack.config.JWT_PUBLIC_KEY!);
});
afterAll(() => stack.stop());

const AUTH_FIELDS = `accessToken refreshToken user { id email name }`;
const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { ${AUTH_FIELDS} } }`;
const LOG_IN = `mutation($input: LogInInput!) { logIn(input: $input) { ${AUTH_FIELDS} } }`;
const REFRESH = `mutation($t: String!) { refreshSession(refreshToken: $t) { ${AUTH_FIELDS} } }`;
const CREATE_ORG = `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { id name slug } }`;
const SWITCH = `mutation($id: ID!) { switchOrganization(organizationId: $id) { ${AUTH_FIELDS} } }`;

/** What the gateway would send for a user's access token. */
async function asUser(accessToken: string) {
  const claims = (await verifier.verify(accessToken))!;
  const principal: Principal = principalFromAccessClaims(claims);
  return { [PRINCIPAL_HEADER]: await signPrincipal(principal, stack.config.INTERNAL_TOKEN_SECRET) };
}
const userCount = async () =>
  (await stack.subgraphs.accounts!.server.runtime.orm.em.fork().getConnection().execute(`select count(*)::int as n from accounts.users`))[0]
    .n as number;

let n = 0;
const signUp = async (overrides: Record<string, string> = {}) => {
  const input = { email: `user${++n}@Example.com`, password: 'correct horse battery', name: `User ${n}`, ...overrides };
  const res = await gql(url, SIGN_UP, { input });
  expect(res.body.errors).toBeUndefined();
  return { ...res.body.data.signUp, input };
};

test('signUp normalizes the email, hashes the password and starts with no active organization', async () => {
  const { user, accessToken, input } = await signUp({ email: 'Mixed.Case@Example.COM' });
  expect(user.email).toBe('mixed.case@example.com');
  const claims = await verifier.verify(accessToken);
  expect(claims).toMatchObject({ sub: user.id, org: null, role: null, memberships: [] });
  const stored = await stack.subgraphs
    .accounts!.server.runtime.orm.em.fork()
    .getConnection()
    .execute(`select password_hash from accounts.users where id = ?`, [user.id]);
  expect(stored[0].password_hash).toMatch(/^\$argon2id\$/);
  expect(stored[0].password_hash).not.toContain(input.password);
  const again = await gql(url, SIGN_UP, { input: { ...input, email: 'MIXED.case@example.com' } });
  expect(again.body.errors?.[0].extensions?.code).toBe('CONFLICT');
});

test('bad sign-up input names every field and writes nothing', async () => {
  const before = await userCount();
  const cases: Array<[Record<string, string>, string]> = [
    [{ email: 'not-an-email' }, 'email'],
    [{ password: 'short' }, 'password'],
    [{ name: '' }, 'name'],
    [{ name: '   ' }, 'name'],
    [{ name: 'x'.repeat(101) }, 'name'],
  ];
  for (const [override, field] of cases) {
    const input = { email: 'valid@example.com', password: 'long enough pw', name: 'Valid', ...override };
    const res = await gql(url, SIGN_UP, { input });
    expect(res.body.errors?.[0].extensions?.code).toBe('BAD_USER_INPUT');
    const fields = res.body.errors?.[0].extensions?.fields as Array<{ path: string[]; message: string }>;
    expect(fields.length).toBeGreaterThan(0);
    expect(fields.map((f) => f.path)).toEqual(fields.map(() => ['input', field]));
    expect(JSON.stringify(res.body)).not.toContain('long enough pw'); // rejected input is never echoed
  }
  expect(await userCount()).toBe(before);
});

test('logIn gives the same UNAUTHENTICATED error for a wrong password and an unknown email', async () => {
  const { input, user } = await signUp();
  const ok = await gql(url, LOG_IN, { input: { email: input.email.toUpperCase(), password: input.password } });
  expect(ok.body.data.logIn.user.id).toBe(user.id);
  const wrong = await gql(url, LOG_IN, { input: { email: input.email, password: 'wrong password' } });
  const unknown = await gql(url, LOG_IN, { input: { email: 'nobody@example.com', password: 'wrong password' } });
  expect(wrong.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  expect(unknown.body.errors?.[0]).toEqual(wrong.body.errors?.[0]);
});

test('refresh tokens rotate: a used one no longer works, and reusing it ends the session', async () => {
  const first = await signUp();
  const second = await gql(url, REFRESH, { t: first.refreshToken });
  expect(second.body.data.refreshSession.refreshToken).not.toBe(first.refreshToken);
  const reused = await gql(url, REFRESH, { t: first.refreshToken });
  expect(reused.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  // the reuse revoked the session, so the legitimately rotated token is dead too
  const after = await gql(url, REFRESH, { t: second.body.data.refreshSession.refreshToken });
  expect(after.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
});

test('createOrganization makes the caller OWNER; switchOrganization activates it; logIn resumes it', async () => {
  const owner = await signUp();
  const anon = await gql(url, CREATE_ORG, { input: { name: 'Nope' } });
  expect(anon.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  // who may call comes before what was sent: an anonymous caller learns nothing about the input
  const anonBad = await gql(url, CREATE_ORG, { input: { name: '' } });
  expect(anonBad.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  const created = await gql(url, CREATE_ORG, { input: { name: 'Acme Labs' } }, await asUser(owner.accessToken));
  const org = created.body.data.createOrganization;
  expect(org).toMatchObject({ name: 'Acme Labs', slug: 'acme-labs' });
  const twin = await gql(url, CREATE_ORG, { input: { name: 'Acme Labs' } }, await asUser(owner.accessToken));
  expect(twin.body.data.createOrganization.slug).toMatch(/^acme-labs-[0-9a-f]{6}$/);

  const switched = await gql(url, SWITCH, { id: org.id }, await asUser(owner.accessToken));
  const claims = await verifier.verify(switched.body.data.switchOrganization.accessToken);
  expect(claims).toMatchObject({ org: org.id, role: 'OWNER' });
  expect(claims!.memberships).toHaveLength(2);

  const refreshed = await gql(url, REFRESH, { t: switched.body.data.switchOrganization.refreshToken });
  expect((await verifier.verify(refreshed.body.data.refreshSession.accessToken))!.org).toBe(org.id);
  const loggedIn = await gql(url, LOG_IN, { input: { email: owner.input.email, password: owner.input.password } });
  expect((await verifier.verify(loggedIn.body.data.logIn.accessToken))!.org).toBe(org.id);
});

test('switchOrganization: malformed id is BAD_USER_INPUT, a foreign organization NOT_FOUND', async () => {
  const a = await signUp();
  const b = await signUp();
  const orgB = (await gql(url, CREATE_ORG, { input: { name: 'B Corp' } }, await asUser(b.accessToken))).body.data.createOrganization;
  const bad = await gql(url, SWITCH, { id: 'not-a-uuid' }, await asUser(a.accessToken));
  expect(bad.body.errors?.[0].extensions).toMatchObject({ code: 'BAD_USER_INPUT', fields: [{ path: ['organizationId'] }] });
  const foreign = await gql(url, SWITCH, { id: orgB.id }, await asUser(a.accessToken));
  expect(foreign.body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  expect(foreign.body.data).toBeNull();
});

test('me and memberships show only what the caller shares; anonymous me is null', async () => {
  const anon = await gql(url, `{ me { id } }`);
  expect(anon.body).toEqual({ data: { me: null } });
  const a = await signUp();
  const b = await signUp();
  const orgA = (await gql(url, CREATE_ORG, { input: { name: 'Only A' } }, await asUser(a.accessToken))).body.data.createOrganization;
  await gql(url, CREATE_ORG, { input: { name: 'Only B' } }, await asUser(b.accessToken));
  const me = await gql(url, `{ me { email memberships { role organization { id name } user { id } } } }`, {}, await asUser(a.accessToken));
  expect(me.body.data.me.memberships).toEqual([{ role: 'OWNER', organization: { id: orgA.id, name: 'Only A' }, user: { id: a.user.id } }]);

  // _entities: B is invisible to A (no shared organization), and so is B's organization
  const entities = await gql(
    url,
    `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { id email } ... on Organization { id name } } }`,
    {
      r: [
        { __typename: 'User', id: b.user.id },
        { __typename: 'User', id: a.user.id },
      ],
    },
    await asUser(a.accessToken),
  );
  expect(entities.body.data._entities).toEqual([null, { id: a.user.id, email: a.user.email }]);
  const orgOfB = await gql(
    url,
    `query($r: [_Any!]!) { _entities(representations: $r) { ... on Organization { id name } } }`,
    { r: [{ __typename: 'Organization', id: orgA.id }] },
    await asUser(b.accessToken),
  );
  expect(orgOfB.body.errors?.[0].extensions?.code).toBe('NOT_FOUND');
  expect(orgOfB.body.data._entities).toEqual([null]);
  const noPrincipal = await gql(url, `query($r: [_Any!]!) { _entities(representations: $r) { ... on User { email } } }`, {
    r: [{ __typename: 'User', id: a.user.id }],
  });
  expect(noPrincipal.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
});

test('users are found by email through the unique index, and only lower-cased emails can be stored', async () => {
  await signUp();
  const orm = stack.subgraphs.accounts!.server.runtime.orm;
  // The table is tiny, so forbid sequential scans: what is left shows whether an index serves it.
  const plan = await orm.em.fork().transactional(async (em) => {
    // em.execute runs inside this transaction, so SET LOCAL applies to the EXPLAIN after it.
    await em.execute('set local enable_seqscan = off');
    return em.execute(`explain select * from accounts.users where email = 'user1@example.com'`);
  });
  expect(plan.map((row: Record<string, string>) => row['QUERY PLAN']).join('\n')).toContain('users_email_unique');
  await expect(
    orm.em
      .fork()
      .getConnection()
      .execute(`insert into accounts.users (id, email, name, password_hash) values (gen_random_uuid(), 'Mixed@Example.com', 'M', 'x')`),
  ).rejects.toThrow(/users_email_lower_case/);
});
