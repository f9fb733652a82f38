import { PromptVersionEntity } from './prompt-version.entity';
import { PromptEntity } from './prompt.entity';

export { PromptEntity, PromptVersionEntity };

/** Every entity of this subgraph, for the ORM's explicit list. */
export const entities = [PromptEntity, PromptVersionEntity];
