import { randomUUID } from 'node:crypto';
import {
  AccessTokenSigner,
  AccessTokenVerifier,
  closeRedis,
  createLogger,
  createRedis,
  MembershipSource,
  writeMembershipProjection,
  type Config,
  type Redis,
} from '@lattice/platform/core';
import { sleep, testConfig } from '@lattice/testing';
import { createAuthenticator, type Authenticate } from '../src/auth';

/**
 * The gateway remembers verified access tokens until they expire. What it must not remember:
 * a token past its expiry, or memberships the projection no longer holds (revocation).
 */
let config: Config;
let redis: Redis;
let memberships: MembershipSource;
let authenticate: Authenticate;
const verify = jest.spyOn(AccessTokenVerifier.prototype, 'verify');

beforeAll(async () => {
  config = await testConfig();
  redis = createRedis(config.REDIS_URL, createLogger('test', 'silent'));
  memberships = await MembershipSource.start({ redis, prefix: config.REDIS_PREFIX, logger: createLogger('test', 'silent') });
  authenticate = await createAuthenticator(config, memberships);
});
afterAll(async () => {
  await memberships.close();
  await closeRedis(redis);
});
beforeEach(() => verify.mockClear());

async function tokenFor(userId: string, org: string, ttlSeconds: number) {
  const signer = await AccessTokenSigner.fromPem(config.JWT_PRIVATE_KEY!, ttlSeconds);
  return signer.sign({ sub: userId, sid: randomUUID(), org, role: 'OWNER', memberships: [{ org, role: 'OWNER' }] });
}

test('a token is verified once, then remembered', async () => {
  const [user, org] = [randomUUID(), randomUUID()];
  await writeMembershipProjection(redis, config.REDIS_PREFIX, user, { version: 1, memberships: [{ org, role: 'OWNER' }] });
  const token = await tokenFor(user, org, 60);
  for (let i = 0; i < 3; i++) expect((await authenticate(`Bearer ${token}`))?.principal).toMatchObject({ sub: user, org, role: 'OWNER' });
  expect(verify).toHaveBeenCalledTimes(1);
});

test('a remembered token is refused once it has expired', async () => {
  const [user, org] = [randomUUID(), randomUUID()];
  await writeMembershipProjection(redis, config.REDIS_PREFIX, user, { version: 1, memberships: [{ org, role: 'OWNER' }] });
  const token = await tokenFor(user, org, 1);
  const { expiresAt } = (await authenticate(`Bearer ${token}`))!;
  expect(await authenticate(`Bearer ${token}`)).not.toBeNull();
  await sleep(expiresAt - Date.now() + 50);
  await expect(authenticate(`Bearer ${token}`)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
});

test('a remembered token does not remember memberships: a removed member loses the organization at once', async () => {
  const [user, org] = [randomUUID(), randomUUID()];
  await writeMembershipProjection(redis, config.REDIS_PREFIX, user, { version: 1, memberships: [{ org, role: 'OWNER' }] });
  const token = await tokenFor(user, org, 60);
  expect((await authenticate(`Bearer ${token}`))?.principal).toMatchObject({ org, role: 'OWNER' });
  const removedAt = Date.now();
  await writeMembershipProjection(redis, config.REDIS_PREFIX, user, { version: 2, memberships: [] });
  let principal = (await authenticate(`Bearer ${token}`))?.principal;
  while (principal?.role && Date.now() - removedAt < 1000) {
    await sleep(10);
    principal = (await authenticate(`Bearer ${token}`))?.principal;
  }
  expect(principal).toMatchObject({ sub: user, role: null, memberships: [] });
  expect(verify).toHaveBeenCalledTimes(1);
});

test('a token that does not verify is never remembered', async () => {
  const [user, org] = [randomUUID(), randomUUID()];
  const token = await tokenFor(user, org, 60);
  const forged = `${token.slice(0, -4)}AAAA`;
  for (let i = 0; i < 2; i++)
    await expect(authenticate(`Bearer ${forged}`)).rejects.toMatchObject({ extensions: { code: 'UNAUTHENTICATED' } });
  expect(verify).toHaveBeenCalledTimes(2);
});
