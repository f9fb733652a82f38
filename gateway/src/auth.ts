import { AccessTokenVerifier, loadKeyPair, principalFromAccessClaims, unauthenticated, type Config, type Principal } from '@lattice/platform/core';

export interface Authenticated {
  principal: Principal;
  /** When the credential stops being valid (epoch ms): a WebSocket is closed then. */
  expiresAt: number;
}

export type Authenticate = (authorization: string | undefined) => Promise<Authenticated | null>;

/**
 * Bearer access tokens, verified with accounts' public key. No header is anonymous; a header
 * that does not verify is UNAUTHENTICATED (HTTP 401), never silently anonymous.
 */
export async function createAuthenticator(config: Config): Promise<Authenticate> {
  const { publicKey } = await loadKeyPair(config);
  if (!publicKey) throw new Error('JWT_PUBLIC_KEY is required: the gateway verifies access tokens');
  const verifier = await AccessTokenVerifier.fromPem(publicKey);
  return async (authorization) => {
    if (!authorization) return null;
    const [scheme, token] = authorization.split(' ');
    if (scheme?.toLowerCase() !== 'bearer' || !token) throw unauthenticated('Authorization must be "Bearer <token>"', 401);
    const claims = await verifier.verify(token);
    if (!claims) throw unauthenticated('Invalid or expired access token', 401);
    return { principal: principalFromAccessClaims(claims), expiresAt: claims.exp * 1000 };
  };
}
