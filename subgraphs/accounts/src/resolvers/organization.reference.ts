import { isId, notFound, requirePrincipal } from '@lattice/platform';
import type { Context } from '../context';
import { toOrganization } from '../schema/map';
import type { Organization } from '../schema/organization.type';

/** `Organization.__resolveReference`, batched through the visibleOrganization loader: only organizations the caller belongs to. */
export async function resolveOrganizationReference(reference: { id?: unknown }, ctx: Context): Promise<Organization> {
  requirePrincipal(ctx.principal);
  const org = isId(reference.id) ? await ctx.loaders.visibleOrganization.load(reference.id.toLowerCase()) : null;
  if (!org) throw notFound('Organization');
  return toOrganization(org);
}
