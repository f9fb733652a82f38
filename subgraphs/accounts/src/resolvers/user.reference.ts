import { isId, requirePrincipal } from '@lattice/platform';
import type { Context } from '../context';
import { toUser } from '../schema/map';
import type { User } from '../schema/user.type';

/**
 * `User.__resolveReference`, batched through the visibleUser loader: a user the caller may not
 * see (or that no longer exists) resolves to null, so `createdBy` reads null rather than leaking
 * or failing the query.
 */
export async function resolveUserReference(reference: { id?: unknown }, ctx: Context): Promise<User | null> {
  requirePrincipal(ctx.principal);
  const user = isId(reference.id) ? await ctx.loaders.visibleUser.load(reference.id.toLowerCase()) : null;
  return user && toUser(user);
}
