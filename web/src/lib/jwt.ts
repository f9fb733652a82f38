/**
 * Reads the claims of an access token on the client. No signature check: the gateway
 * verifies every token; the client only uses the claims for display and scheduling.
 */
export interface AccessTokenClaims {
  /** user id */
  sub: string | null;
  /** active organization id; null when the session acts for no organization */
  org: string | null;
  /** role in the active organization */
  role: string | null;
  /** expiry, seconds since the epoch */
  exp: number | null;
}

function decodeBase64Url(segment: string): string {
  const base64 = segment.replace(/-/g, '+').replace(/_/g, '/');
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4);
  const binary = atob(padded);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return new TextDecoder().decode(bytes);
}

function stringClaim(value: unknown): string | null {
  return typeof value === 'string' && value !== '' ? value : null;
}

/** The payload of a JWT, or null when the token is not a readable JWT. */
export function decodeAccessToken(token: string): AccessTokenClaims | null {
  const payload = token.split('.')[1];
  if (!payload) return null;
  try {
    const parsed: unknown = JSON.parse(decodeBase64Url(payload));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
    const claims = parsed as Record<string, unknown>;
    return {
      sub: stringClaim(claims.sub),
      org: stringClaim(claims.org),
      role: stringClaim(claims.role),
      exp: typeof claims.exp === 'number' ? claims.exp : null,
    };
  } catch {
    return null;
  }
}

/** True when the token's `exp` is past (or within `leewaySeconds` of now). */
export function isExpired(claims: AccessTokenClaims | null, leewaySeconds = 5): boolean {
  if (claims?.exp == null) return false;
  return claims.exp - leewaySeconds <= Date.now() / 1000;
}
