import { buildFederatedSchema } from '@lattice/platform';
import { policy } from './policy';
import { resolvePromptReference } from './resolvers/prompt.reference';
import { PromptResolver } from './resolvers/prompt.resolver';
import { User } from './schema/user.type';

export const buildAiPlatformSchema = () =>
  buildFederatedSchema({
    resolvers: [PromptResolver],
    orphanedTypes: [User],
    referenceResolvers: { Prompt: resolvePromptReference },
    policy,
  });
