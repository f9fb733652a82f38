import { randomUUID } from 'node:crypto';
import { bearer, eventually, gql, sleep, type Stack } from '@lattice/testing';
import { onboard, startProduct, type Onboarded } from './helpers';

let stack: Stack;

beforeAll(async () => {
  stack = await startProduct();
});
afterAll(() => stack.stop());

const AUTH = `accessToken refreshToken user { id }`;
const SIGN_UP = `mutation($i: SignUpInput!) { signUp(input: $i) { ${AUTH} } }`;
const LOG_IN = `mutation($i: LogInInput!) { logIn(input: $i) { ${AUTH} } }`;
const REFRESH = `mutation($t: String!) { refreshSession(refreshToken: $t) { ${AUTH} } }`;
const CREATE_ORG = `mutation($i: CreateOrganizationInput!) { createOrganization(input: $i) { id } }`;
const SWITCH = `mutation($id: ID!) { switchOrganization(organizationId: $id) { ${AUTH} } }`;
const CREATE_PROMPT = `mutation($i: CreatePromptInput!) { createPrompt(input: $i) { id } }`;
const RECORD = `mutation { recordMetric(input: { name: "audit_test", value: 1 }) { value } }`;
const AUDIT_LOG = `query($f: AuditLogFilter, $first: Int, $after: String) {
  auditLog(filter: $f, first: $first, after: $after) {
    edges { cursor node { id at action actorKind actor { id email } targetType targetId changes requestId ip } }
    pageInfo { hasNextPage endCursor } } }`;

const accountsSql = (sql: string, params: unknown[] = []) =>
  stack.subgraphs.accounts!.server.runtime.orm.em.fork().getConnection().execute(sql, params) as Promise<Array<Record<string, any>>>;
const entriesOf = (actorId: string) => accountsSql(`select * from accounts.audit_entries where actor_id = ? order by at, id`, [actorId]);

async function ok(query: string, variables: Record<string, unknown>, headers: Record<string, string> = {}) {
  const res = await gql(stack.url, query, variables, headers);
  expect(res.body.errors).toBeUndefined();
  return Object.values(res.body.data)[0] as any;
}

test('every mutation but telemetry leaves exactly one audit entry: actor, action, target, organization, redacted changes', async () => {
  const email = `audrey.${randomUUID()}@example.com`;
  const signedUp = await ok(SIGN_UP, { i: { email, password: 'a long password', name: 'Audrey' } });
  const userId = signedUp.user.id as string;
  const loggedIn = await ok(LOG_IN, { i: { email, password: 'a long password' } });
  const org = await ok(CREATE_ORG, { i: { name: 'Audit Co' } }, bearer(loggedIn.accessToken));
  const switched = await ok(SWITCH, { id: org.id }, bearer(loggedIn.accessToken));
  const refreshed = await ok(REFRESH, { t: switched.refreshToken });
  const prompt = await ok(CREATE_PROMPT, { i: { name: 'Audited', template: 'Hi {{name}}' } }, bearer(refreshed.accessToken));
  await ok(RECORD, {}, bearer(refreshed.accessToken));

  await eventually(async () => (await entriesOf(userId)).length, 6, 10_000);
  await sleep(300); // nothing arrives twice, and telemetry arrives not at all
  const rows = await entriesOf(userId);
  expect(rows.map((r) => [r.action, r.actor_kind, r.org_id, r.target_type, r.source])).toEqual([
    ['user.signUp', 'USER', null, 'User', 'accounts'],
    ['session.logIn', 'USER', null, 'Session', 'accounts'],
    ['organization.create', 'USER', org.id, 'Organization', 'accounts'],
    ['session.switchOrganization', 'USER', org.id, 'Session', 'accounts'],
    ['session.refresh', 'USER', org.id, 'Session', 'accounts'],
    ['prompt.create', 'USER', org.id, 'Prompt', 'ai-platform'],
  ]);
  expect(rows[0]!.target_id).toBe(userId);
  expect(rows[2]!.target_id).toBe(org.id);
  expect(rows[5]!.target_id).toBe(prompt.id);
  expect(rows[3]!.target_id).toBe(rows[4]!.target_id); // one session, switched then refreshed
  expect(rows[0]!.changes).toEqual({
    email: { before: null, after: email },
    name: { before: null, after: 'Audrey' },
    passwordHash: { before: null, after: '[redacted]' },
  });
  expect(rows[3]!.changes).toEqual({ activeOrgId: { before: null, after: org.id } });
  expect(rows[5]!.changes).toMatchObject({ name: { before: null, after: 'Audited' }, template: { before: null, after: 'Hi {{name}}' } });
  // no secret in any form: not the password, not its hash, not a token
  const stored = JSON.stringify(rows);
  for (const secret of ['a long password', '$argon2', loggedIn.refreshToken, switched.refreshToken, refreshed.accessToken])
    expect(stored).not.toContain(secret);
  for (const row of rows) {
    expect(row.request_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(row.ip).toMatch(/127\.0\.0\.1|::1/);
  }
});

describe('auditLog', () => {
  let owner: Onboarded;
  let other: Onboarded;
  beforeAll(async () => {
    owner = await onboard(stack.url, 'Log Owner Co');
    other = await onboard(stack.url, 'Other Co');
    for (const name of ['one', 'two', 'three']) await ok(CREATE_PROMPT, { i: { name, template: 't' } }, owner.headers);
    await ok(CREATE_PROMPT, { i: { name: 'elsewhere', template: 't' } }, other.headers);
    await eventually(
      async () => (await accountsSql(`select count(*)::int as n from accounts.audit_entries where org_id = ?`, [owner.orgId]))[0]!.n,
      5,
      10_000,
    );
  });

  test("the active organization's entries, newest first, paginated, with the actor", async () => {
    const first = await ok(AUDIT_LOG, { first: 2 }, owner.headers);
    expect(first.edges.map((e: any) => e.node.action)).toEqual(['prompt.create', 'prompt.create']);
    expect(first.edges[0].node.actor).toEqual({ id: owner.userId, email: owner.email });
    expect(first.pageInfo.hasNextPage).toBe(true);
    const rest = await ok(AUDIT_LOG, { first: 10, after: first.pageInfo.endCursor }, owner.headers);
    expect(rest.edges.map((e: any) => e.node.action)).toEqual(['prompt.create', 'session.switchOrganization', 'organization.create']);
    expect(rest.pageInfo.hasNextPage).toBe(false);
    const all = [...first.edges, ...rest.edges].map((e: any) => e.node);
    expect(all.map((n: any) => n.at)).toEqual([...all.map((n: any) => n.at)].sort().reverse());
    expect(JSON.stringify(all)).not.toContain('elsewhere');
  });

  test('filters by action, target and time', async () => {
    const prompts = await ok(AUDIT_LOG, { f: { action: 'prompt.create' } }, owner.headers);
    expect(prompts.edges).toHaveLength(3);
    const oneTarget = prompts.edges[1].node;
    const byTarget = await ok(AUDIT_LOG, { f: { targetType: 'Prompt', targetId: oneTarget.targetId } }, owner.headers);
    expect(byTarget.edges.map((e: any) => e.node.id)).toEqual([oneTarget.id]);
    const byActor = await ok(AUDIT_LOG, { f: { actorId: owner.userId } }, owner.headers);
    expect(byActor.edges).toHaveLength(5);
    const future = await ok(AUDIT_LOG, { f: { from: new Date(Date.now() + 60_000).toISOString() } }, owner.headers);
    expect(future.edges).toEqual([]);
    const bad = await gql(stack.url, AUDIT_LOG, { f: { actorId: 'nope' } }, owner.headers);
    expect(bad.body.errors?.[0].extensions).toMatchObject({
      code: 'BAD_USER_INPUT',
      fields: [expect.objectContaining({ path: ['filter', 'actorId'] })],
    });
  });

  test('MEMBER and VIEWER are FORBIDDEN, naming the role; anonymous is UNAUTHENTICATED', async () => {
    for (const role of ['MEMBER', 'VIEWER']) {
      const someone = await onboard(stack.url, `${role} Co`);
      await accountsSql(`update accounts.memberships set role = ? where user_id = ?`, [role, someone.userId]);
      const relogged = await ok(LOG_IN, { i: { email: someone.email, password: 'a long password' } });
      const denied = await gql(stack.url, AUDIT_LOG, {}, bearer(relogged.accessToken));
      expect(denied.body.errors?.[0]).toMatchObject({
        extensions: { code: 'FORBIDDEN' },
        message: expect.stringMatching(/Requires the ADMIN role/),
      });
      expect(denied.body.data).toBeNull();
    }
    const anonymous = await gql(stack.url, AUDIT_LOG, {});
    expect(anonymous.body.errors?.[0].extensions?.code).toBe('UNAUTHENTICATED');
  });
});
