import { randomBytes, randomUUID } from 'node:crypto';
import { PrincipalVerifier, signPrincipal, type Principal } from '../src/core';

/**
 * A subgraph remembers principal tokens that verified until they expire. What it must not do:
 * accept a remembered token past its expiry, remember a token that failed, or let one request
 * change the principal another request carrying the same token sees.
 */
const secret = randomBytes(32).toString('hex');
const principal = (): Principal => {
  const org = randomUUID();
  return { sub: randomUUID(), kind: 'user', org, role: 'OWNER', memberships: [{ org, role: 'OWNER' }], scopes: [], platformAdmin: false };
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('a token is verified once, then the same principal is answered until it expires', async () => {
  const verifier = new PrincipalVerifier(secret);
  const who = principal();
  const token = await signPrincipal(who, secret);
  const first = await verifier.verify(token);
  expect(first).toEqual(who);
  expect(await verifier.verify(token)).toBe(first); // remembered: not parsed again
});

test('a remembered token is refused once it has expired', async () => {
  const verifier = new PrincipalVerifier(secret);
  const token = await signPrincipal(principal(), secret, 1);
  expect(await verifier.verify(token)).not.toBeNull();
  const { exp } = JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { exp: number };
  await sleep(exp * 1000 - Date.now() + 50);
  expect(await verifier.verify(token)).toBeNull();
});

test('a token that fails is never remembered, and a forgery of a remembered one fails', async () => {
  const verifier = new PrincipalVerifier(secret);
  const token = await signPrincipal(principal(), secret);
  expect(await verifier.verify(token)).not.toBeNull();
  const forged = await signPrincipal({ ...principal(), platformAdmin: true }, randomBytes(32).toString('hex'));
  expect(await verifier.verify(forged)).toBeNull();
  expect(await verifier.verify(forged)).toBeNull();
  // the same claims with another signature are another token, checked on their own
  const [header, payload] = token.split('.');
  expect(await verifier.verify(`${header}.${payload}.${forged.split('.')[2]}`)).toBeNull();
});

test('the remembered principal cannot be changed by a request that holds it', async () => {
  const verifier = new PrincipalVerifier(secret);
  const token = await signPrincipal(principal(), secret);
  const shared = (await verifier.verify(token))!;
  expect(() => ((shared as { role: string }).role = 'VIEWER')).toThrow(TypeError);
  expect(() => (shared.memberships as unknown[]).push({ org: randomUUID(), role: 'OWNER' })).toThrow(TypeError);
  expect(() => ((shared.memberships[0] as { role: string }).role = 'VIEWER')).toThrow(TypeError);
  expect((await verifier.verify(token))!.role).toBe('OWNER');
});

test('at most maxTokens are remembered, the oldest forgotten first', async () => {
  const verifier = new PrincipalVerifier(secret, 2);
  const tokens = await Promise.all([principal(), principal(), principal()].map((p) => signPrincipal(p, secret)));
  const a = await verifier.verify(tokens[0]!);
  const b = await verifier.verify(tokens[1]!);
  const c = await verifier.verify(tokens[2]!);
  expect(await verifier.verify(tokens[2]!)).toBe(c);
  expect(await verifier.verify(tokens[1]!)).toBe(b);
  const again = await verifier.verify(tokens[0]!); // forgotten: verified again, a new object
  expect(again).toEqual(a);
  expect(again).not.toBe(a);
});
