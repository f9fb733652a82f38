import { buildFederatedSchema } from '@lattice/platform';
import { PromptResolver, resolvePromptReference } from './resolvers/prompt.resolver';
import { User } from './schema/user.type';
import { policy } from './policy';

export const buildAiPlatformSchema = () =>
  buildFederatedSchema({
    resolvers: [PromptResolver],
    orphanedTypes: [User],
    referenceResolvers: { Prompt: resolvePromptReference },
    policy,
  });
