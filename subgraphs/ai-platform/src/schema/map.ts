import { mapConnection, type Connection } from '@lattice/platform';
import type { PromptEntity, PromptVersionEntity } from '../entities';
import type { PromptConnection } from './prompt-connection.type';
import type { PromptVersion } from './prompt-version.type';
import type { Prompt } from './prompt.type';

/** Entity → GraphQL type, in one place, so a column change never changes the API. */
export const toPrompt = (e: PromptEntity): Prompt => ({
  id: e.id,
  name: e.name,
  description: e.description,
  createdBy: e.createdBy ? { id: e.createdBy } : null,
  createdAt: e.createdAt,
});

export const toPromptVersion = (e: PromptVersionEntity): PromptVersion => ({
  id: e.id,
  version: e.version,
  template: e.template,
  createdAt: e.createdAt,
});

export const toPromptConnection = (page: Connection<PromptEntity>): PromptConnection => mapConnection(page, toPrompt);
