import {
  AccessTokenVerifier,
  loadKeyPair,
  principalFromAccessClaims,
  unauthenticated,
  VerifiedTokens,
  type Config,
  type MembershipSource,
  type Principal,
} from '@lattice/platform/core';

export interface Authenticated {
  /** Who is calling now: the credential with its memberships and active role from the membership projection. */
  principal: Principal;
  /** The credential as it states itself; `memberships.principalFor(credential)` gives the principal again, later. */
  credential: Principal;
  /** When the credential stops being valid (epoch ms): a WebSocket is closed then. */
  expiresAt: number;
}

export type Authenticate = (authorization: string | undefined) => Promise<Authenticated | null>;

/**
 * Bearer access tokens, verified with accounts' public key. No header is anonymous; a header
 * that does not verify is UNAUTHENTICATED (HTTP 401), never silently anonymous. The token says
 * who the user is and which organization it acts for; its memberships and role are not trusted:
 * they come from the membership projection, so a removed member or a lowered role counts within
 * a second, not when the token expires.
 *
 * A verified token is remembered until it expires (`VerifiedTokens`): verifying the Ed25519
 * signature and the claims cost about 0.4 ms per request. Only the
 * verification is remembered; the principal is built from the projection on every request, so
 * a revoked membership still counts at once.
 */
export async function createAuthenticator(config: Config, memberships: Pick<MembershipSource, 'principalFor'>): Promise<Authenticate> {
  const { publicKey } = await loadKeyPair(config);
  if (!publicKey) throw new Error('JWT_PUBLIC_KEY is required: the gateway verifies access tokens');
  const verifier = await AccessTokenVerifier.fromPem(publicKey);
  const verified = new VerifiedTokens<Principal>();
  return async (authorization) => {
    if (!authorization) return null;
    const [scheme, token] = authorization.split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !token) throw unauthenticated('Authorization must be "Bearer <token>"', 401);
    const known = await verified.get(token, async () => {
      const claims = await verifier.verify(token);
      return claims && { value: principalFromAccessClaims(claims), expiresAt: claims.exp * 1000 };
    });
    if (!known) throw unauthenticated('Invalid or expired access token', 401);
    const { value: credential, expiresAt } = known;
    return { principal: await memberships.principalFor(credential), credential, expiresAt };
  };
}
