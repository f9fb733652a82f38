import { runSubgraph } from '@lattice/platform';
import { createServer } from './server';

void runSubgraph('ai-platform', createServer);
