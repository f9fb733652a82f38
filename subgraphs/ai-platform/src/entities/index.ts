import { PromptVersionEntity } from './prompt-version.entity';
import { PromptEntity } from './prompt.entity';

export { PromptEntity, PromptVersionEntity };
export const entities = [PromptEntity, PromptVersionEntity];
