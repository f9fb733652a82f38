import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportPKCS8, exportSPKI, generateKeyPair, importPKCS8, importSPKI, jwtVerify, SignJWT, type KeyLike } from 'jose';
import { z } from 'zod';
import type { Config } from './config';
import { createFileOnce } from './dev-files';
import { ORG_ROLES, type Principal } from './principal';

const ALG = 'EdDSA';
const ISSUER = 'lattice-accounts';
const AUDIENCE = 'lattice';

export interface KeyPairPem {
  privateKey: string;
  publicKey: string;
}

export async function generateKeyPairPem(): Promise<KeyPairPem> {
  const { privateKey, publicKey } = await generateKeyPair(ALG, { crv: 'Ed25519', extractable: true });
  return { privateKey: await exportPKCS8(privateKey), publicKey: await exportSPKI(publicKey) };
}

/**
 * The access-token key pair: from the environment, or (outside production) generated once under
 * KEYS_DIR. Creation is atomic (link of a complete temp file) because accounts and the gateway
 * may start at the same moment and must agree on one pair.
 */
export async function loadKeyPair(config: Config): Promise<Partial<KeyPairPem>> {
  if (config.JWT_PUBLIC_KEY || config.JWT_PRIVATE_KEY || config.NODE_ENV === 'production') {
    return { privateKey: config.JWT_PRIVATE_KEY, publicKey: config.JWT_PUBLIC_KEY };
  }
  const file = join(config.KEYS_DIR, 'access-token-keys.json');
  if (!existsSync(file)) createFileOnce(file, JSON.stringify(await generateKeyPairPem()));
  return JSON.parse(readFileSync(file, 'utf8')) as KeyPairPem;
}

const accessClaims = z.object({
  sub: z.string(),
  sid: z.string(),
  org: z.string().nullable(),
  role: z.enum(ORG_ROLES).nullable(),
  memberships: z.array(z.object({ org: z.string(), role: z.enum(ORG_ROLES) })),
  /** Platform admin: set by accounts for platform staff only. */
  admin: z.boolean().optional(),
});
export type AccessClaims = z.infer<typeof accessClaims>;

export class AccessTokenSigner {
  private constructor(
    private readonly key: KeyLike,
    private readonly ttlSeconds: number,
  ) {}

  static async fromPem(privateKeyPem: string, ttlSeconds: number): Promise<AccessTokenSigner> {
    return new AccessTokenSigner(await importPKCS8(privateKeyPem, ALG), ttlSeconds);
  }

  async sign(claims: AccessClaims): Promise<string> {
    const { sub, ...rest } = claims;
    return new SignJWT(rest)
      .setProtectedHeader({ alg: ALG, typ: 'at+jwt' })
      .setSubject(sub)
      .setIssuer(ISSUER)
      .setAudience(AUDIENCE)
      .setIssuedAt()
      .setJti(randomUUID())
      .setExpirationTime(`${this.ttlSeconds}s`)
      .sign(this.key);
  }
}

export class AccessTokenVerifier {
  private constructor(private readonly key: KeyLike) {}

  static async fromPem(publicKeyPem: string): Promise<AccessTokenVerifier> {
    return new AccessTokenVerifier(await importSPKI(publicKeyPem, ALG));
  }

  /** The claims of a valid access token, or null for any invalid or expired one. */
  async verify(token: string): Promise<(AccessClaims & { exp: number }) | null> {
    try {
      // jose accepts a token without `exp` unless told to require it: such a token never expires.
      const { payload } = await jwtVerify(token, this.key, {
        algorithms: [ALG],
        issuer: ISSUER,
        audience: AUDIENCE,
        typ: 'at+jwt',
        requiredClaims: ['exp'],
      });
      const parsed = accessClaims.safeParse(payload);
      return parsed.success ? { ...parsed.data, exp: payload.exp as number } : null;
    } catch {
      return null;
    }
  }
}

export const principalFromAccessClaims = (claims: AccessClaims): Principal => ({
  sub: claims.sub,
  kind: 'user',
  org: claims.org,
  role: claims.role,
  memberships: claims.memberships,
  scopes: [],
  platformAdmin: claims.admin ?? false,
  sid: claims.sid,
});
