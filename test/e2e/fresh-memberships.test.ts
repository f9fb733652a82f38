import {
  createLogger,
  createRedis,
  membershipKey,
  mutate,
  parseProjection,
  PRINCIPAL_HEADER,
  servicePrincipal,
  signPrincipal,
  type OrgRole,
  type Redis,
  type SubgraphRuntime,
  type SubgraphServer,
} from '@lattice/platform';
import { bearer, collect, eventually, gql, principalHeaders, sleep, tcpProxy, userPrincipal, wsClient, type Stack } from '@lattice/testing';
import { createClient } from 'graphql-ws';
import WebSocket from 'ws';
import { PrincipalSigner } from '../../gateway/src/principal-data-source';
import { membershipProjector, membershipsChanged } from '../../subgraphs/accounts/src/services/membership-projection';
import { SUBGRAPH_FACTORIES, onboard, startProduct, type Onboarded } from './helpers';

// Memberships and roles are read from accounts' projection in Redis, not trusted from the access
// token (15 minutes): a removed member or a lowered role takes effect within a second everywhere.
let stack: Stack;
let redis: Redis;
let alice: Onboarded;

beforeAll(async () => {
  stack = await startProduct();
  redis = createRedis(stack.config.REDIS_URL, createLogger('test', 'silent'));
  alice = await onboard(stack.url, 'Alice Team');
});
afterAll(async () => {
  redis?.disconnect();
  await stack?.stop();
});

const accounts = (): SubgraphRuntime => stack.subgraphs.accounts!.server.runtime;

/**
 * There is no member-management mutation yet: change the row with SQL, through the mutation
 * boundary, and call the one function every membership-changing service calls.
 */
async function setMembership(userId: string, orgId: string, role: OrgRole | null, runtime: SubgraphRuntime = accounts()) {
  await mutate(runtime.serviceScope(), async (tx) => {
    if (role) {
      await tx.em.execute(
        `insert into accounts.memberships (id, user_id, org_id, role) values (gen_random_uuid(), ?, ?, ?)
         on conflict (user_id, org_id) do update set role = excluded.role`,
        [userId, orgId, role],
        'run',
      );
    } else {
      await tx.em.execute(`delete from accounts.memberships where user_id = ? and org_id = ?`, [userId, orgId], 'run');
    }
    await membershipsChanged(tx, membershipProjector(runtime), userId);
    tx.audit({ action: role ? 'membership.set' : 'membership.remove', orgId, target: { type: 'User', id: userId }, after: { role } });
  });
  return Date.now();
}

/** `who` made a member of `org` with `role`, then acting there (switchOrganization): the headers of that token. */
async function joinAndSwitch(who: Onboarded, org: string, role: OrgRole) {
  await setMembership(who.userId, org, role);
  const res = await gql(
    stack.url,
    `mutation($id: ID!) { switchOrganization(organizationId: $id) { accessToken } }`,
    { id: org },
    who.headers,
  );
  expect(res.body.errors).toBeUndefined();
  return bearer(res.body.data.switchOrganization.accessToken as string);
}

const CREATE_PROMPT = `mutation($i: CreatePromptInput!) { createPrompt(input: $i) { id } }`;
const RECORD = `mutation($i: RecordMetricInput!) { recordMetric(input: $i) { value } }`;
const PROMPTS = `{ prompts(first: 5) { edges { node { id } } } }`;
const SERIES = `query($from: DateTime!, $to: DateTime!) { metricSeries(name: "fresh", from: $from, to: $to, bucketSeconds: 60) { count } }`;
const window = () => ({ from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 60_000).toISOString() });

const codeOf = (res: { body: { errors?: Array<{ extensions?: Record<string, any> }> } }) => res.body.errors?.[0]?.extensions?.code ?? 'OK';
let prompts = 0;
const createPrompt = (headers: Record<string, string>, name: string) =>
  gql(stack.url, CREATE_PROMPT, { i: { name: `${name} ${++prompts}`, template: 't' } }, headers);
const record = (headers: Record<string, string>, name: string, value: number) => gql(stack.url, RECORD, { i: { name, value } }, headers);

/** Record in alice's organization until `sub` has had `n` events: then its subscription is surely open upstream. */
async function untilDelivered(sub: ReturnType<typeof collect>, name: string, n = 1) {
  await eventually(
    async () => {
      expect(codeOf(await record(alice.headers, name, 1))).toBe('OK');
      return sub.events.length >= n;
    },
    true,
    5000,
  );
}

test('a removed member is refused within a second: writes, reads, entity lookups, and an open subscription', async () => {
  const bob = await onboard(stack.url, 'Bob Own');
  const bobInAlice = await joinAndSwitch(bob, alice.orgId, 'MEMBER');

  const created = await createPrompt(bobInAlice, 'by bob');
  expect(codeOf(created)).toBe('OK');
  const promptId = created.body.data.createPrompt.id as string;
  expect(codeOf(await record(bobInAlice, 'fresh', 1))).toBe('OK');
  expect(codeOf(await gql(stack.url, PROMPTS, {}, bobInAlice))).toBe('OK');
  expect(codeOf(await gql(stack.url, SERIES, window(), bobInAlice))).toBe('OK');
  // Not lazy: the socket stays open when its subscription ends, so later operations reuse it.
  const client = createClient({
    url: stack.url.replace(/^http/, 'ws'),
    webSocketImpl: WebSocket,
    connectionParams: bobInAlice,
    retryAttempts: 0,
    lazy: false,
  });
  const signed = jest.spyOn(PrincipalSigner.prototype, 'sign');
  try {
    const sub = collect(client, `subscription { metricRecorded(name: "fresh") { value } }`);
    await untilDelivered(sub, 'fresh');
    const delivered = sub.events.length;

    const removedAt = await setMembership(bob.userId, alice.orgId, null);

    // The open subscription ends with FORBIDDEN, with no event needed to notice.
    await expect(sub.next(delivered + 1, 1000)).rejects.toThrow(/FORBIDDEN/);
    expect((sub.error as any[])[0].extensions).toMatchObject({ code: 'FORBIDDEN', serviceName: 'monitoring' });
    expect(Date.now() - removedAt).toBeLessThan(1000);

    // Over HTTP: writes and reads in that organization are refused within the second as well.
    await eventually(async () => codeOf(await createPrompt(bobInAlice, 'after removal')), 'FORBIDDEN', 1000 - (Date.now() - removedAt));
    expect(Date.now() - removedAt).toBeLessThan(1000);
    expect(codeOf(await record(bobInAlice, 'fresh', 2))).toBe('FORBIDDEN');
    expect(codeOf(await gql(stack.url, PROMPTS, {}, bobInAlice))).toBe('FORBIDDEN');
    expect(codeOf(await gql(stack.url, SERIES, window(), bobInAlice))).toBe('FORBIDDEN');
    // On the socket opened before the removal, too: each operation's principal is built anew.
    let reconnected = false;
    client.on('connected', () => (reconnected = true));
    const [overSocket] = await collect(client, CREATE_PROMPT, { i: { name: 'over the socket', template: 't' } }).next(1);
    expect(reconnected).toBe(false);
    expect(overSocket!.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    // The organization is not bob's any more: no active organization, and not among his memberships.
    signed.mockClear();
    expect(codeOf(await gql(stack.url, `{ me { id } }`, {}, bobInAlice))).toBe('OK');
    const sent = signed.mock.calls.map(([p]) => p).find((p) => p.sub === bob.userId)!;
    expect(sent).toMatchObject({ org: null, role: null, memberships: [{ org: bob.orgId, role: 'OWNER' }] });

    // Entity lookups from the gateway, with the principal it now sends: NOT_FOUND.
    const asGatewaySends = { [PRINCIPAL_HEADER]: await signPrincipal(sent, stack.config.INTERNAL_TOKEN_SECRET) };
    const prompt = await gql(
      stack.subgraphs['ai-platform']!.url,
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Prompt { name } } }`,
      { r: [{ __typename: 'Prompt', id: promptId }] },
      asGatewaySends,
    );
    expect(codeOf(prompt)).toBe('NOT_FOUND');
    expect(prompt.body.data._entities).toEqual([null]);
    const billing = await gql(
      stack.subgraphs.billing!.url,
      `query($r: [_Any!]!) { _entities(representations: $r) { ... on Organization { subscription { status } } } }`,
      { r: [{ __typename: 'Organization', id: alice.orgId }] },
      asGatewaySends,
    );
    expect(codeOf(billing)).toBe('NOT_FOUND');
  } finally {
    signed.mockRestore();
    await client.dispose();
  }
});

test('a role lowered from OWNER to VIEWER refuses writes within a second; reads and a VIEWER subscription go on', async () => {
  const carol = await onboard(stack.url, 'Carol Lowered');
  const client = wsClient(stack.url, carol.headers);
  try {
    const sub = collect(client, `subscription { metricRecorded(name: "lowered") { value } }`);
    const asOwnerOfCarols = await principalHeaders(stack.config.INTERNAL_TOKEN_SECRET, userPrincipal(carol.orgId, 'OWNER'));
    const recordInCarols = (value: number) =>
      gql(stack.subgraphs.monitoring!.url, RECORD, { i: { name: 'lowered', value } }, asOwnerOfCarols);
    await eventually(
      async () => {
        await recordInCarols(1);
        return sub.events.length > 0;
      },
      true,
      5000,
    );
    expect(codeOf(await createPrompt(carol.headers, 'as owner'))).toBe('OK');

    const loweredAt = await setMembership(carol.userId, carol.orgId, 'VIEWER');
    await eventually(async () => codeOf(await createPrompt(carol.headers, 'as viewer')), 'FORBIDDEN', 1000);
    expect(Date.now() - loweredAt).toBeLessThan(1000);
    const refused = await record(carol.headers, 'lowered', 2);
    expect(refused.body.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' }, message: expect.stringMatching(/MEMBER role/) });
    expect(codeOf(await gql(stack.url, PROMPTS, {}, carol.headers))).toBe('OK');

    // metricRecorded needs VIEWER: the subscription was authorized again, and goes on.
    await sleep(300);
    const before = sub.events.length;
    await recordInCarols(3);
    await sub.next(before + 1);
    expect(sub.error).toBeUndefined();
  } finally {
    await client.dispose();
  }
});

test("createOrganization answers with the new organization's subscription in the same operation", async () => {
  const dave = await onboard(stack.url, 'Dave First');
  const res = await gql(
    stack.url,
    `mutation { createOrganization(input: { name: "Fresh Org" }) { id subscription { plan { key } } } }`,
    {},
    dave.headers,
  );
  expect(res.body.errors).toBeUndefined();
  expect(res.body.data.createOrganization).toEqual({ id: expect.any(String), subscription: { plan: { key: 'free' } } });
});

test('a projection missing from Redis is rebuilt by accounts from its database', async () => {
  const erin = await onboard(stack.url, 'Erin Rebuilt');
  const key = membershipKey(stack.config.REDIS_PREFIX, erin.userId);
  const stored = parseProjection(await redis.get(key));
  expect(stored?.memberships).toEqual([{ org: erin.orgId, role: 'OWNER' }]);

  await redis.del(key);
  await sleep(1100); // past the gateway's cache
  expect(codeOf(await gql(stack.url, PROMPTS, {}, erin.headers))).toBe('OK');
  expect(parseProjection(await redis.get(key))).toEqual(stored);

  // The endpoint that rebuilds it answers service principals only.
  const endpoint = new URL(`/internal/memberships/${erin.userId}`, stack.subgraphs.accounts!.url).toString();
  const asUser = await signPrincipal(userPrincipal(erin.orgId, 'OWNER', [], erin.userId), stack.config.INTERNAL_TOKEN_SECRET);
  expect((await fetch(endpoint)).status).toBe(401);
  expect((await fetch(endpoint, { headers: { [PRINCIPAL_HEADER]: asUser } })).status).toBe(401);
  const asService = await signPrincipal(servicePrincipal('gateway'), stack.config.INTERNAL_TOKEN_SECRET);
  expect(await (await fetch(endpoint, { headers: { [PRINCIPAL_HEADER]: asService } })).json()).toEqual(stored);
});

test('a subscription whose change notification was lost is refused at its next event, which is not delivered', async () => {
  const frank = await onboard(stack.url, 'Frank Lost');
  const frankInAlice = await joinAndSwitch(frank, alice.orgId, 'MEMBER');
  const client = wsClient(stack.url, frankInAlice);
  try {
    const sub = collect(client, `subscription { metricRecorded(name: "lost") { value } }`);
    await untilDelivered(sub, 'lost');
    const delivered = sub.events.length;
    // The removal reaches Redis, its notification reaches nobody (as during a subscriber reconnect).
    const key = membershipKey(stack.config.REDIS_PREFIX, frank.userId);
    const current = parseProjection(await redis.get(key))!;
    await redis.set(
      key,
      JSON.stringify({ version: current.version + 1, memberships: current.memberships.filter((m) => m.org !== alice.orgId) }),
    );
    await sleep(1100); // what the gateway read before is past its cache
    expect(codeOf(await record(alice.headers, 'lost', 42))).toBe('OK');
    await expect(sub.next(delivered + 1, 2000)).rejects.toThrow(/FORBIDDEN/);
    expect(sub.events).toHaveLength(delivered);
  } finally {
    await client.dispose();
  }
});

test('a projection write that failed after the commit (Redis unreachable) is made good from the outbox', async () => {
  const gina = await onboard(stack.url, 'Gina Outage');
  const target = new URL(stack.config.REDIS_URL);
  const proxy = await tcpProxy({ host: target.hostname, port: Number(target.port || 6379) });
  // A second accounts replica whose Redis is behind a proxy this test cuts.
  let cutOff: SubgraphServer | undefined;
  try {
    cutOff = await SUBGRAPH_FACTORIES.accounts({ ...stack.config, REDIS_URL: `redis://127.0.0.1:${proxy.port}` });
    await cutOff.start(0, '127.0.0.1');
    const key = membershipKey(stack.config.REDIS_PREFIX, gina.userId);
    const before = parseProjection(await redis.get(key))!;

    await proxy.cut();
    await setMembership(gina.userId, alice.orgId, 'VIEWER', cutOff.runtime);
    // Its own write after the commit failed; the outbox row it committed is sent by whichever
    // replica's relay reaches Redis, and accounts' consumer writes the projection.
    await eventually(async () => parseProjection(await redis.get(key))?.version, before.version + 1, 10_000);
    expect(parseProjection(await redis.get(key))!.memberships).toEqual([...before.memberships, { org: alice.orgId, role: 'VIEWER' }]);
    await proxy.restore();
  } finally {
    await cutOff?.stop();
    await proxy.close();
  }
});
