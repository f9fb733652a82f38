import { createLogger, createRedis, publicDataChannel, type Principal, type Redis } from '@lattice/platform';
import {
  apiKeyPrincipal,
  gql,
  newOrgId,
  platformAdminPrincipal,
  principalHeaders,
  sleep,
  startStack,
  userPrincipal,
  type Stack,
} from '@lattice/testing';
import { createServer } from '../src/server';
import { updatePlan } from '../src/services/plan.service';

/** updatePlan on the billing subgraph alone: who may, what input is refused, what it writes and announces. */
let stack: Stack;
let url: string;
let admin: Record<string, string>;
let subscriber: Redis;
/** Public data announcements seen on Redis, each with the plan's name in the database when it arrived. */
const announced: Array<{ payload: unknown; nameThen: string }> = [];

const PRO_PLAN_ID = '00000000-0000-4000-8000-000000000002';
const UPDATE = `mutation($id: ID!, $i: UpdatePlanInput!) { updatePlan(id: $id, input: $i) { id key name } }`;
const runtime = () => stack.subgraphs.billing!.server.runtime;
const sql = (query: string, params: unknown[] = []) =>
  runtime().orm.em.fork().getConnection().execute(query, params) as Promise<Array<Record<string, any>>>;
const planRow = async (id: string) => (await sql(`select name, stripe_price_id from billing.plans where id = ?`, [id]))[0]!;
const as = async (principal: Principal | null) => (principal ? principalHeaders(stack.config.INTERNAL_TOKEN_SECRET, principal) : {});
const update = (headers: Record<string, string>, input: Record<string, unknown>, id = PRO_PLAN_ID) =>
  gql(url, UPDATE, { id, i: input }, headers);
const codeOf = (res: { body: { errors?: Array<{ extensions?: Record<string, any> }> } }) => res.body.errors?.[0]?.extensions?.code ?? 'OK';

beforeAll(async () => {
  stack = await startStack({ subgraphs: { billing: createServer } });
  url = stack.subgraphs.billing!.url;
  admin = await as(platformAdminPrincipal());
  subscriber = createRedis(stack.config.REDIS_URL, createLogger('test', 'silent'));
  subscriber.on('message', (_channel: string, message: string) => {
    const payload = JSON.parse(message) as { id: string };
    void planRow(payload.id).then((row) => announced.push({ payload, nameThen: row.name as string }));
  });
  await subscriber.subscribe(publicDataChannel(stack.config.REDIS_PREFIX));
});
afterAll(async () => {
  subscriber?.disconnect();
  await stack?.stop();
});

test('only platform admins: users of every role, API keys and anonymous callers are refused before the input is looked at', async () => {
  for (const principal of [
    userPrincipal(null, 'OWNER'),
    userPrincipal(newOrgId(), 'OWNER'),
    apiKeyPrincipal(newOrgId(), ['billing:read']),
  ]) {
    // An invalid name too: the refusal says FORBIDDEN, not what is wrong with the input.
    const res = await update(await as(principal), { name: '' });
    expect(res.body.errors?.[0]).toMatchObject({ extensions: { code: 'FORBIDDEN' }, message: expect.stringMatching(/platform admin/) });
  }
  expect(codeOf(await update({}, { name: 'Anonymous' }))).toBe('UNAUTHENTICATED');
  expect((await planRow(PRO_PLAN_ID)).name).toBe('Pro');
});

test('the service refuses non-admins on its own, whoever calls it', async () => {
  const scope = runtime().scope(userPrincipal(newOrgId(), 'OWNER'));
  await expect(updatePlan(scope, PRO_PLAN_ID, { name: 'Sneaky' })).rejects.toMatchObject({ extensions: { code: 'FORBIDDEN' } });
  await expect(updatePlan(runtime().serviceScope(), PRO_PLAN_ID, { name: 'Sneaky' })).rejects.toMatchObject({
    extensions: { code: 'FORBIDDEN' },
  });
  expect((await planRow(PRO_PLAN_ID)).name).toBe('Pro');
});

test.each([
  ['an empty name', { name: '' }, ['input', 'name'], /name must be 1 to 100 characters/],
  ['a blank name', { name: '   ' }, ['input', 'name'], /name must not be blank/],
  ['a name of 101 characters', { name: 'x'.repeat(101) }, ['input', 'name'], /name must be 1 to 100 characters/],
  ['a bidirectional override in the name', { name: 'Pro\u202Egnp.exe' }, ['input', 'name'], /bidirectional/],
  ['a control character in the name', { name: 'Pro\u0007' }, ['input', 'name'], /control characters/],
  ['a null name', { name: null }, ['input', 'name'], /name cannot be null; leave it out/],
  ['a price id that is not a Stripe price', { stripePriceId: 'prod_123' }, ['input', 'stripePriceId'], /Stripe price id/],
  ['nothing to change', {}, ['input'], /nothing to change/],
])('%s is BAD_USER_INPUT naming the field', async (_case, input, path, message) => {
  const res = await update(admin, input);
  expect(res.body.errors?.[0]).toMatchObject({ message: expect.stringMatching(message), extensions: { code: 'BAD_USER_INPUT' } });
  expect(res.body.errors![0]!.extensions!.fields.map((f: { path: unknown }) => f.path)).toContainEqual(path);
  expect(await planRow(PRO_PLAN_ID)).toEqual({ name: 'Pro', stripe_price_id: null });
});

test('an unknown plan is NOT_FOUND, a malformed id BAD_USER_INPUT; neither is announced', async () => {
  const before = announced.length;
  expect(codeOf(await update(admin, { name: 'Ghost' }, '00000000-0000-4000-8000-0000000000ff'))).toBe('NOT_FOUND');
  const malformed = await update(admin, { name: 'Ghost' }, 'pro');
  expect(malformed.body.errors?.[0]).toMatchObject({ extensions: { code: 'BAD_USER_INPUT', fields: [{ path: ['id'] }] } });
  await sleep(200);
  expect(announced.length).toBe(before);
});

test('a platform admin renames a plan and sets its price: stored, audited (no organization), announced after the commit', async () => {
  const before = announced.length;
  // Another transaction holds the row for a moment: the announcement must wait for the commit.
  let locked!: () => void;
  let release!: () => void;
  const isLocked = new Promise<void>((resolve) => (locked = resolve));
  const held = new Promise<void>((resolve) => (release = resolve));
  const holding = runtime()
    .orm.em.fork()
    .transactional(async (em) => {
      await em.execute(`select id from billing.plans where id = ? for update`, [PRO_PLAN_ID]);
      locked();
      await held;
    });
  await isLocked;
  const updating = update(admin, { name: '  Professional  ', stripePriceId: 'price_1MoBy5LkdIwHu7ix' });
  await sleep(300);
  expect(announced.length).toBe(before);
  release();
  await holding;

  const res = await updating;
  expect(res.body.errors).toBeUndefined();
  expect(res.body.data.updatePlan).toEqual({ id: PRO_PLAN_ID, key: 'pro', name: 'Professional' });
  expect(await planRow(PRO_PLAN_ID)).toEqual({ name: 'Professional', stripe_price_id: 'price_1MoBy5LkdIwHu7ix' });
  // Whoever reads on the announcement reads the new name.
  await sleep(200);
  expect(announced.slice(before)).toEqual([{ payload: { type: 'Plan', id: PRO_PLAN_ID }, nameThen: 'Professional' }]);

  const [audit] = await sql(`select payload from billing.outbox where topic = 'audit.recorded' order by occurred_at desc limit 1`);
  expect(audit!.payload).toMatchObject({
    action: 'plan.update',
    actorKind: 'USER',
    orgId: null,
    targetType: 'Plan',
    targetId: PRO_PLAN_ID,
    changes: { name: { before: 'Pro', after: 'Professional' }, stripePriceId: { before: null, after: 'price_1MoBy5LkdIwHu7ix' } },
  });

  // null removes the price; the name left out stays.
  const cleared = await update(admin, { stripePriceId: null });
  expect(cleared.body.errors).toBeUndefined();
  expect(await planRow(PRO_PLAN_ID)).toEqual({ name: 'Professional', stripe_price_id: null });
});
