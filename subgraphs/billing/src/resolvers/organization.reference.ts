import { isId, notFound, requirePrincipal } from '@lattice/platform';
import type { Context } from '../context';
import type { Organization } from '../schema/organization.type';

/**
 * `Organization.__resolveReference`, through the subscriptionByOrg loader: billing holds no
 * organization rows, and the loader is the tenant guard (NOT_FOUND unless the caller may read
 * the organization's billing). The loaded subscription is what the `subscription` field then
 * reads from the loader's cache, so a reference costs no extra statement.
 * A malformed id is NOT_FOUND too, so a caller cannot tell unknown, foreign and malformed apart.
 */
export async function resolveOrganizationReference(reference: { id?: unknown }, ctx: Context): Promise<Pick<Organization, 'id'>> {
  requirePrincipal(ctx.principal);
  if (!isId(reference.id)) throw notFound('Organization');
  const id = reference.id.toLowerCase();
  await ctx.loaders.subscriptionByOrg.load(id);
  return { id };
}
