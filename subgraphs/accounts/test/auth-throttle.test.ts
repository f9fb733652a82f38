import argon2 from 'argon2';
import { gql, startStack, testConfig, type Stack } from '@lattice/testing';
import { createServer } from '../src/server';

// Issue 7, finding 3: 300 wrong passwords against one account in 21 s and then the right one
// worked; 100 sign-ups in 8 s; each attempt an argon2 hash. Log-ins are limited per email
// (failures in a row lock it, each lock-out longer, the right password refused meanwhile) and
// per address (failures per day); sign-ups per address and per email (per hour). Every check
// runs before the hash. The client's address is what the gateway forwards (x-forwarded-for).
const FAILURES_PER_EMAIL = 3;
const FIRST_LOCKOUT = 2;
const FAILURES_PER_IP = 6;
const SIGNUPS_PER_IP = 3;
const SIGNUPS_PER_EMAIL = 2;

let stack: Stack;
let url: string;
beforeAll(async () => {
  stack = await startStack({
    subgraphs: { accounts: createServer },
    config: await testConfig({
      LOGIN_MAX_FAILURES_PER_EMAIL: String(FAILURES_PER_EMAIL),
      LOGIN_LOCKOUT_SECONDS: String(FIRST_LOCKOUT),
      LOGIN_LOCKOUT_MAX_SECONDS: '600',
      LOGIN_MAX_FAILURES_PER_IP: String(FAILURES_PER_IP),
      SIGNUP_MAX_PER_IP: String(SIGNUPS_PER_IP),
      SIGNUP_MAX_PER_EMAIL: String(SIGNUPS_PER_EMAIL),
    }),
  });
  url = stack.subgraphs.accounts!.url;
});
afterAll(() => stack.stop());
afterEach(() => jest.restoreAllMocks());

const SIGN_UP = `mutation($input: SignUpInput!) { signUp(input: $input) { accessToken user { id } } }`;
const LOG_IN = `mutation($input: LogInInput!) { logIn(input: $input) { accessToken } }`;
const PASSWORD = 'correct horse battery';

let n = 0;
let address = 0;
/** A fresh client address for each use, so tests do not spend one another's sign-ups or failures. */
const newIp = () => `10.7.${Math.floor(++address / 250)}.${address % 250}`;
const from = (ip: string) => ({ 'x-forwarded-for': ip });

async function account(): Promise<string> {
  const email = `throttled${++n}@example.com`;
  const res = await gql(url, SIGN_UP, { input: { email, password: PASSWORD, name: `Throttled ${n}` } }, from(newIp()));
  expect(res.body.errors).toBeUndefined();
  return email;
}
const logIn = (email: string, password: string, ip: string) => gql(url, LOG_IN, { input: { email, password } }, from(ip));
const code = (res: Awaited<ReturnType<typeof gql>>) => res.body.errors?.[0]?.extensions?.code;

/** Every argon2 hash or verification the subgraph does (it runs in this process). */
const spyOnArgon2 = () => [jest.spyOn(argon2, 'hash'), jest.spyOn(argon2, 'verify')];
const calls = (spies: jest.SpyInstance[]) => spies.reduce((sum, s) => sum + s.mock.calls.length, 0);

test('after N wrong passwords the account is locked, the right password included, from any address; a refused attempt costs no hash', async () => {
  const email = await account();
  const attacker = newIp();
  for (let i = 0; i < FAILURES_PER_EMAIL; i++) expect(code(await logIn(email, 'wrong password', attacker))).toBe('UNAUTHENTICATED');

  const spies = spyOnArgon2();
  const started = performance.now();
  const locked = await logIn(email, PASSWORD, newIp());
  const refusedMs = performance.now() - started;
  expect(locked.body.data).toBeNull();
  expect(locked.body.errors?.[0]?.extensions).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: FIRST_LOCKOUT });
  expect(code(await logIn(email, PASSWORD, attacker))).toBe('RATE_LIMITED');
  // Refused before argon2: no hash, so it answers fast (loosely: argon2 alone takes ~50 ms here).
  expect(calls(spies)).toBe(0);
  const other = await account();
  const hashedStarted = performance.now();
  expect(code(await logIn(other, 'wrong password', newIp()))).toBe('UNAUTHENTICATED');
  const hashedMs = performance.now() - hashedStarted;
  expect(calls(spies)).toBeGreaterThan(0);
  expect(refusedMs).toBeLessThan(hashedMs);
});

test('another account, from another address, is unaffected by a lock-out', async () => {
  const [victim, bystander] = [await account(), await account()];
  const attacker = newIp();
  for (let i = 0; i <= FAILURES_PER_EMAIL; i++) await logIn(victim, 'wrong password', attacker);
  expect(code(await logIn(victim, PASSWORD, newIp()))).toBe('RATE_LIMITED');
  const res = await logIn(bystander, PASSWORD, newIp());
  expect(res.body.errors).toBeUndefined();
  expect(res.body.data.logIn.accessToken).toEqual(expect.any(String));
});

test("a successful log-in resets the email's failures", async () => {
  const email = await account();
  // Each run of failures stays under the limit; without the reset they would add up past it.
  // (Each from its own address: the address's own limit is another test's.)
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < FAILURES_PER_EMAIL - 1; i++) expect(code(await logIn(email, 'wrong password', newIp()))).toBe('UNAUTHENTICATED');
    expect((await logIn(email, PASSWORD, newIp())).body.errors).toBeUndefined();
  }
});

test('each lock-out of an email lasts longer than the one before', async () => {
  const email = await account();
  // A guesser spread over many addresses: the email's lock-outs grow all the same.
  const lockOut = async () => {
    for (let i = 0; i < FAILURES_PER_EMAIL; i++) expect(code(await logIn(email, 'wrong password', newIp()))).toBe('UNAUTHENTICATED');
    const locked = await logIn(email, 'wrong password', newIp());
    expect(code(locked)).toBe('RATE_LIMITED');
    return locked.body.errors![0]!.extensions!.retryAfterSeconds as number;
  };
  expect(await lockOut()).toBe(FIRST_LOCKOUT);
  await new Promise((resolve) => setTimeout(resolve, FIRST_LOCKOUT * 1000 + 200));
  expect(await lockOut()).toBe(FIRST_LOCKOUT * 2);
});

test('failed log-ins are limited per address, whichever emails they try; successful ones do not count', async () => {
  const email = await account();
  const ip = newIp();
  // Successes from an address never add up to its limit.
  for (let i = 0; i <= FAILURES_PER_IP; i++) expect((await logIn(email, PASSWORD, ip)).body.errors).toBeUndefined();
  // One guess each at many emails (credential stuffing): the address runs out, not the emails.
  for (let i = 0; i < FAILURES_PER_IP; i++) expect(code(await logIn(`nobody${i}.${n}@example.com`, 'guess', ip))).toBe('UNAUTHENTICATED');
  const spies = spyOnArgon2();
  const refused = await logIn(email, PASSWORD, ip);
  expect(refused.body.errors?.[0]?.extensions?.code).toBe('RATE_LIMITED');
  expect(refused.body.errors?.[0]?.extensions?.retryAfterSeconds).toBeGreaterThan(3600);
  expect(calls(spies)).toBe(0);
  // The account itself is not locked: from elsewhere it logs in.
  expect((await logIn(email, PASSWORD, newIp())).body.errors).toBeUndefined();
});

test('sign-ups are limited per address (no hash, nothing written) and per email', async () => {
  const ip = newIp();
  const signUp = (email: string, at = ip) => gql(url, SIGN_UP, { input: { email, password: PASSWORD, name: 'Flood' } }, from(at));
  for (let i = 0; i < SIGNUPS_PER_IP; i++) expect((await signUp(`flood${i}.${n}@example.com`)).body.errors).toBeUndefined();
  const spies = spyOnArgon2();
  const refused = await signUp(`flood-over.${n}@example.com`);
  expect(refused.body.errors?.[0]?.extensions).toEqual({ code: 'RATE_LIMITED', retryAfterSeconds: expect.any(Number) });
  expect(refused.body.errors![0]!.extensions!.retryAfterSeconds).toBeGreaterThan(3500);
  expect(calls(spies)).toBe(0);
  // Nothing was written: from another address the same email is free.
  expect((await signUp(`flood-over.${n}@example.com`, newIp())).body.errors).toBeUndefined();

  // One email, from many addresses: the first signs up, the next is CONFLICT, then RATE_LIMITED.
  const contested = `contested.${n}@example.com`;
  expect((await signUp(contested, newIp())).body.errors).toBeUndefined();
  expect(code(await signUp(contested, newIp()))).toBe('CONFLICT');
  expect(code(await signUp(contested, newIp()))).toBe('RATE_LIMITED');
});
