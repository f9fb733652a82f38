import { isId, isMemberOf, notFound, requirePrincipal, type Principal } from '@lattice/platform';

/**
 * The id of an organization the principal may read. Malformed, unknown and other tenants' ids
 * are all NOT_FOUND, so a caller cannot tell them apart.
 */
export function visibleOrganizationId(principal: Principal | null, id: unknown): string {
  const p = requirePrincipal(principal);
  const orgId = isId(id) ? id.toLowerCase() : null;
  if (!orgId || !isMemberOf(p, orgId)) throw notFound('Organization');
  return orgId;
}
