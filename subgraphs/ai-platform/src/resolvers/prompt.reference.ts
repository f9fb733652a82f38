import { isId, notFound, requirePrincipal } from '@lattice/platform';
import type { Context } from '../context';
import { toPrompt } from '../schema/map';
import type { Prompt } from '../schema/prompt.type';

/**
 * `Prompt.__resolveReference`, batched through the promptById loader, which only finds prompts
 * of the caller's organizations: another tenant's, an unknown or a malformed id are NOT_FOUND.
 */
export async function resolvePromptReference(reference: { id?: unknown }, ctx: Context): Promise<Prompt> {
  requirePrincipal(ctx.principal);
  const prompt = isId(reference.id) ? await ctx.loaders.promptById.load(reference.id.toLowerCase()) : null;
  if (!prompt) throw notFound('Prompt');
  return toPrompt(prompt);
}
