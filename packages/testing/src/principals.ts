import { randomUUID } from 'node:crypto';
import {
  PRINCIPAL_HEADER,
  servicePrincipal as platformServicePrincipal,
  signPrincipal,
  type MembershipClaim,
  type OrgRole,
  type Principal,
} from '@lattice/platform';

/** A fresh organization id: tenants in tests are just ids until accounts is involved. */
export const newOrgId = (): string => randomUUID();

/** A user acting in `org` with `role`, and a member of `others` too. */
export const userPrincipal = (
  org: string | null,
  role: OrgRole = 'MEMBER',
  others: MembershipClaim[] = [],
  sub: string = randomUUID(),
): Principal => ({
  sub,
  kind: 'user',
  org,
  role: org ? role : null,
  memberships: [...(org ? [{ org, role }] : []), ...others],
  scopes: [],
  platformAdmin: false,
});

/** A signed-in user with memberships but no active organization (a fresh login). */
export const userWithoutActiveOrg = (memberships: MembershipClaim[] = []): Principal => ({ ...userPrincipal(null), memberships });

/** An organization's API key with these scopes: acts only in its own organization. */
export const apiKeyPrincipal = (org: string, scopes: string[]): Principal => ({
  sub: randomUUID(),
  kind: 'apiKey',
  org,
  role: null,
  memberships: [],
  scopes,
  platformAdmin: false,
});

/** Platform staff, not a member of any organization. */
export const platformAdminPrincipal = (): Principal => ({ ...userPrincipal(null), platformAdmin: true });

/** A subgraph's own jobs and consumers (the platform's own builder). */
export const servicePrincipal = (name = 'test'): Principal => platformServicePrincipal(name);

/** The headers the gateway would send a subgraph for this principal. */
export const principalHeaders = async (secret: string, principal: Principal) => ({
  [PRINCIPAL_HEADER]: await signPrincipal(principal, secret),
});
