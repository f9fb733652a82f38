import type { AuthCheckerFn } from 'type-graphql';
import { forbidden, unauthenticated } from './errors';
import type { OrgRole, Principal } from './principal';

const RANK: Record<OrgRole, number> = { VIEWER: 0, MEMBER: 1, ADMIN: 2, OWNER: 3 };

export const roleAtLeast = (role: OrgRole, minimum: OrgRole): boolean => RANK[role] >= RANK[minimum];

export function requirePrincipal(principal: Principal | null): Principal {
  if (!principal) throw unauthenticated();
  return principal;
}

export function requireUser(principal: Principal | null): Principal {
  const p = requirePrincipal(principal);
  if (p.kind !== 'user') throw forbidden('Only a signed-in user may do this');
  return p;
}

/** The organization the call acts for; organization-scoped calls without one are FORBIDDEN. */
export function requireActiveOrg(principal: Principal | null): { principal: Principal; org: string; role: OrgRole } {
  const p = requirePrincipal(principal);
  if (!p.org || !p.role) throw forbidden('No active organization: call switchOrganization first');
  return { principal: p, org: p.org, role: p.role };
}

/** Writes act on the active organization and need at least `minimum` there. */
export function requireRole(principal: Principal | null, minimum: OrgRole) {
  const active = requireActiveOrg(principal);
  if (!roleAtLeast(active.role, minimum)) throw forbidden(`Requires the ${minimum} role or higher in the active organization`);
  return active;
}

/** Reads are allowed in any organization the principal is a member of. */
export const isMemberOf = (principal: Principal | null, org: string): boolean =>
  !!principal && principal.memberships.some((m) => m.org === org);

export const memberOrgIds = (principal: Principal | null): string[] => principal?.memberships.map((m) => m.org) ?? [];

/**
 * type-graphql's `@Authorized`: no role = a signed-in user; roles = any of them in the active
 * organization, which (roles being ranked) is at least the lowest one listed. type-graphql runs
 * it before it validates the arguments, so a caller who may not write is told so, not which
 * field of the input was wrong. Services check again: they are where tenancy is enforced, and
 * they need the active organization anyway.
 */
export const authChecker: AuthCheckerFn<{ principal: Principal | null }, OrgRole> = ({ context }, roles) => {
  if (roles.length === 0) requireUser(context.principal);
  else requireRole(context.principal, roles.reduce((low, role) => (RANK[role] < RANK[low] ? role : low)));
  return true;
};
