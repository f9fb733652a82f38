import { randomBytes, randomUUID } from 'node:crypto';
import { GraphQLError } from 'graphql';
import { userPrincipal } from '@lattice/testing';
import {
  closeRedis,
  createChannel,
  createLogger,
  createRedis,
  forbidden,
  membershipKey,
  MembershipSource,
  roleAtLeast,
  withMemberships,
  writeMembershipProjection,
  type MembershipProjection,
  type Redis,
} from '../src';
import { SubscriptionGuard } from '../src/subscription-guard';

const logger = createLogger('memberships-test', 'silent');
const prefix = `test:${randomBytes(5).toString('hex')}:`;
const org = randomUUID();
const other = randomUUID();
let redis: Redis;
let source: MembershipSource;

beforeAll(async () => {
  redis = createRedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', logger);
  source = await MembershipSource.start({ redis, prefix, logger });
});
afterAll(async () => {
  await source?.close();
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys);
  await closeRedis(redis);
});

const projection = (version: number, role: 'OWNER' | 'ADMIN' | 'MEMBER' | 'VIEWER' | null): MembershipProjection => ({
  version,
  memberships: [{ org: other, role: 'OWNER' }, ...(role ? [{ org, role }] : [])],
});

async function within<T>(ms: number, read: () => Promise<T>, done: (value: T) => boolean): Promise<number> {
  const started = Date.now();
  while (!done(await read())) {
    if (Date.now() - started > ms) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return Date.now() - started;
}

test('a change notification drops the cached projection at once; without one, the cache holds it at most a second', async () => {
  const user = randomUUID();
  await writeMembershipProjection(redis, prefix, user, projection(1, 'OWNER'));
  expect((await source.get(user))?.version).toBe(1);

  // Written by accounts: notified, so the next read is the new one, long before the cache expires.
  await writeMembershipProjection(redis, prefix, user, projection(2, 'VIEWER'));
  expect(
    await within(
      200,
      () => source.get(user),
      (p) => p?.version === 2,
    ),
  ).toBeLessThan(200);

  // Written behind its back (a lost notification): stale for at most the cache's second.
  await new Promise((r) => setTimeout(r, 50));
  expect((await source.get(user))?.version).toBe(2);
  await redis.set(membershipKey(prefix, user), JSON.stringify(projection(3, null)));
  expect((await source.get(user))?.version).toBe(2);
  expect(
    await within(
      1100,
      () => source.get(user),
      (p) => p?.version === 3,
    ),
  ).toBeLessThanOrEqual(1100);
});

test('an older projection never replaces a newer one, and only a newer one is announced', async () => {
  const user = randomUUID();
  const heard: Array<string | null> = [];
  const stop = source.onChange((id) => heard.push(id));
  try {
    expect(await writeMembershipProjection(redis, prefix, user, projection(5, 'ADMIN'))).toBe(true);
    expect(await writeMembershipProjection(redis, prefix, user, projection(4, null))).toBe(false);
    expect((await source.fresh(user))?.version).toBe(5);
    expect(await writeMembershipProjection(redis, prefix, user, projection(5, 'ADMIN'))).toBe(false);
    expect((await source.fresh(user))?.version).toBe(5);
    await within(
      200,
      async () => heard.filter((id) => id === user).length,
      (n) => n === 1,
    );
  } finally {
    stop();
  }
});

test('the principal keeps its active organization only while it is a membership, with the role it has now', () => {
  const credential = userPrincipal(org, 'OWNER');
  expect(withMemberships(credential, projection(1, 'VIEWER'))).toMatchObject({
    org,
    role: 'VIEWER',
    memberships: projection(1, 'VIEWER').memberships,
  });
  expect(withMemberships(credential, projection(2, null))).toMatchObject({
    org: null,
    role: null,
    memberships: [{ org: other, role: 'OWNER' }],
  });
});

test('an open subscription ends when the role falls below what it requires, not before', async () => {
  const guard = new SubscriptionGuard(source, logger);
  const user = randomUUID();
  const principal = userPrincipal(org, 'OWNER', [], user);
  await writeMembershipProjection(redis, prefix, user, projection(1, 'OWNER'));
  // What a resolver requiring ADMIN would say, for the principal as it is now.
  const requiresAdmin = async (now: typeof principal) =>
    now.org === org && now.role && roleAtLeast(now.role, 'ADMIN') ? null : [forbidden('Requires the ADMIN role or higher')];
  const events = createChannel<number>({ maxBuffer: 10 });
  const guarded = guard.guard(principal, events.iterator, requiresAdmin);
  try {
    events.push(1);
    expect(await guarded.next()).toEqual({ value: 1, done: false });

    await writeMembershipProjection(redis, prefix, user, projection(2, 'ADMIN'));
    await new Promise((r) => setTimeout(r, 100));
    events.push(2);
    expect(await guarded.next()).toEqual({ value: 2, done: false });

    const pending = guarded.next();
    const loweredAt = Date.now();
    await writeMembershipProjection(redis, prefix, user, projection(3, 'MEMBER'));
    const outcome = await Promise.race([
      pending.then(
        () => 'an event',
        (err: unknown) => err,
      ),
      // unref: once the race is decided, this timer must not hold the worker for 2 s more.
      new Promise((r) => setTimeout(() => r('still open'), 2000).unref()),
    ]);
    expect(outcome).toMatchObject({ extensions: { code: 'FORBIDDEN' } });
    expect(Date.now() - loweredAt).toBeLessThan(1000);
    expect(events.closed).toBe(true);
    expect(guard.size).toBe(0);
  } finally {
    await guarded.return?.();
    guard.close();
  }
});

test('a guarded subscription that ends on its own is no longer watched', async () => {
  const guard = new SubscriptionGuard(source, logger);
  const events = createChannel<number>({ maxBuffer: 10 });
  const guarded = guard.guard(userPrincipal(org, 'OWNER'), events.iterator, async () => [new GraphQLError('never asked')]);
  expect(guard.size).toBe(1);
  events.end();
  expect(await guarded.next()).toEqual({ value: undefined, done: true });
  expect(guard.size).toBe(0);
  guard.close();
});
