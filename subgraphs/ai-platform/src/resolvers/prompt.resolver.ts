import { toConnection } from '@lattice/platform';
import { Arg, Authorized, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../context';
import type { PromptEntity, PromptVersionEntity } from '../entities';
import { CreatePromptInput } from '../schema/create-prompt.input';
import { PromptConnection } from '../schema/prompt-connection.type';
import { PromptVersion } from '../schema/prompt-version.type';
import { Prompt } from '../schema/prompt.type';
import { createPrompt, findVisiblePrompt, listPrompts } from '../services/prompt.service';

const toPrompt = (e: PromptEntity): Prompt => ({
  id: e.id,
  name: e.name,
  description: e.description,
  createdBy: e.createdBy ? { id: e.createdBy } : null,
  createdAt: e.createdAt,
});

const toPromptVersion = (e: PromptVersionEntity): PromptVersion => ({
  id: e.id,
  version: e.version,
  template: e.template,
  createdAt: e.createdAt,
});

@Resolver(() => Prompt)
export class PromptResolver {
  @Authorized('prompts:write')
  @Mutation(() => Prompt, { description: 'Create a prompt and its version 1 in the active organization (MEMBER or higher).' })
  async createPrompt(@Arg('input') input: CreatePromptInput, @Ctx() ctx: Context): Promise<Prompt> {
    const { prompt, version } = await createPrompt(ctx.scope, input);
    ctx.loaders.latestVersion.prime(prompt.id, version); // known already: no query for latestVersion
    return toPrompt(prompt);
  }

  @Query(() => PromptConnection, { description: "The active organization's prompts, newest first (any role)." })
  async prompts(
    @Arg('first', () => Int, { nullable: true, description: 'Page size, 1 to 100; default 20.' }) first: number | null | undefined,
    @Arg('after', () => String, { nullable: true, description: 'endCursor of the previous page.' }) after: string | null | undefined,
    @Ctx() ctx: Context,
  ): Promise<PromptConnection> {
    const { rows, size } = await listPrompts(ctx.scope, { first, after });
    return toConnection(rows, size, toPrompt);
  }

  @FieldResolver(() => PromptVersion)
  async latestVersion(@Root() prompt: Prompt, @Ctx() ctx: Context): Promise<PromptVersion> {
    const version = await ctx.loaders.latestVersion.load(prompt.id);
    // Cannot happen: a prompt is only ever written together with its version 1.
    if (!version) throw new Error(`Prompt ${prompt.id} has no version`);
    return toPromptVersion(version);
  }
}

/** `Prompt.__resolveReference`: tenant-checked, batched through the promptById loader. */
export const resolvePromptReference = async (reference: { id?: unknown }, ctx: Context): Promise<Prompt> =>
  toPrompt(await findVisiblePrompt(ctx.scope, ctx.loaders, reference.id));
