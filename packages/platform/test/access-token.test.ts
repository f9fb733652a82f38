import { randomUUID } from 'node:crypto';
import { importPKCS8, SignJWT } from 'jose';
import { AccessTokenSigner, AccessTokenVerifier, generateKeyPairPem } from '../src/core';

const claims = { sid: randomUUID(), org: null, role: null, memberships: [] };

/** A token like accounts signs, but built by hand so a claim can be left out. */
async function forge(privateKeyPem: string, withExp: boolean): Promise<string> {
  const jwt = new SignJWT(claims)
    .setProtectedHeader({ alg: 'EdDSA', typ: 'at+jwt' })
    .setSubject(randomUUID())
    .setIssuer('lattice-accounts')
    .setAudience('lattice')
    .setIssuedAt();
  if (withExp) jwt.setExpirationTime('60s');
  return jwt.sign(await importPKCS8(privateKeyPem, 'EdDSA'));
}

test('an access token without exp is refused, though signed with the right key', async () => {
  const keys = await generateKeyPairPem();
  const verifier = await AccessTokenVerifier.fromPem(keys.publicKey);
  // The same hand-built token with exp verifies: only the missing claim is refused.
  expect(await verifier.verify(await forge(keys.privateKey, true))).toMatchObject(claims);
  expect(await verifier.verify(await forge(keys.privateKey, false))).toBeNull();
  const signed = await (await AccessTokenSigner.fromPem(keys.privateKey, 60)).sign({ sub: randomUUID(), ...claims });
  expect((await verifier.verify(signed))?.exp).toBeGreaterThan(Date.now() / 1000);
});
