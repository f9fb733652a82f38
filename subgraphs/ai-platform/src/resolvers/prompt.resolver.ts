import { Arg, Authorized, Ctx, FieldResolver, Int, Mutation, Query, Resolver, Root } from 'type-graphql';
import type { Context } from '../context';
import { CreatePromptInput } from '../schema/create-prompt.input';
import { toPrompt, toPromptConnection, toPromptVersion } from '../schema/map';
import { PromptConnection } from '../schema/prompt-connection.type';
import { PromptVersion } from '../schema/prompt-version.type';
import { Prompt } from '../schema/prompt.type';
import { createPrompt, listPrompts } from '../services/prompt.service';

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
    return toPromptConnection(await listPrompts(ctx.scope, { first, after }));
  }

  @FieldResolver(() => PromptVersion)
  async latestVersion(@Root() prompt: Prompt, @Ctx() ctx: Context): Promise<PromptVersion> {
    const version = await ctx.loaders.latestVersion.load(prompt.id);
    // Cannot happen: a prompt is only ever written together with its version 1.
    if (!version) throw new Error(`Prompt ${prompt.id} has no version`);
    return toPromptVersion(version);
  }
}
