import { jwtVerify, SignJWT } from 'jose';
import { z } from 'zod';

export const ORG_ROLES = ['OWNER', 'ADMIN', 'MEMBER', 'VIEWER'] as const;
export type OrgRole = (typeof ORG_ROLES)[number];

const membership = z.object({ org: z.string(), role: z.enum(ORG_ROLES) });
const principalClaims = z.object({
  sub: z.string(),
  kind: z.enum(['user', 'apiKey', 'service']),
  org: z.string().nullable(),
  role: z.enum(ORG_ROLES).nullable(),
  memberships: z.array(membership),
  /** API-key scopes (e.g. `prompts:read`); empty for users, whose role decides. */
  scopes: z.array(z.string()),
  /** Platform staff: may use the platform-admin actions (revenue, all organizations). */
  platformAdmin: z.boolean().default(false),
  /** The accounts session behind a user's access token. */
  sid: z.string().optional(),
});

/** Who is calling, as the gateway vouches for it to the subgraphs. */
export type Principal = z.infer<typeof principalClaims>;
export type PrincipalInput = z.input<typeof principalClaims>;
export type MembershipClaim = z.infer<typeof membership>;

/** A subgraph's own jobs and stream consumers: authorized by what they do, never by a graph action. */
export const servicePrincipal = (service: string): Principal => ({
  sub: service,
  kind: 'service',
  org: null,
  role: null,
  memberships: [],
  scopes: [],
  platformAdmin: false,
});

export const PRINCIPAL_HEADER = 'x-lattice-principal';
const ISSUER = 'lattice-gateway';
const AUDIENCE = 'lattice-subgraphs';
const PRINCIPAL_TTL_SECONDS = 60;

const keyOf = (secret: string) => new TextEncoder().encode(secret);

/** The internal principal token: HS256, 60 s, signed by the gateway for every subgraph call. */
export async function signPrincipal(principal: PrincipalInput, secret: string, ttlSeconds = PRINCIPAL_TTL_SECONDS): Promise<string> {
  const { sub, ...claims } = principal;
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setIssuer(ISSUER)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime(`${ttlSeconds}s`)
    .sign(keyOf(secret));
}

/** Verify an internal principal token; any flaw (signature, expiry, shape) returns null. */
export async function verifyPrincipal(token: string, secret: string): Promise<Principal | null> {
  try {
    const { payload } = await jwtVerify(token, keyOf(secret), {
      algorithms: ['HS256'],
      issuer: ISSUER,
      audience: AUDIENCE,
    });
    const parsed = principalClaims.safeParse(payload);
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}
