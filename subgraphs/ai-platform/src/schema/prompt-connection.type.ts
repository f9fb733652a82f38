import { ConnectionType, type Connection } from '@lattice/platform';
import { Prompt } from './prompt.type';

/** `PromptConnection` and `PromptEdge`. */
export const PromptConnection = ConnectionType(() => Prompt, 'Prompt', { description: 'Prompts newest first.' });
export type PromptConnection = Connection<Prompt>;
