import { runSubgraph } from '@lattice/platform';
import { createServer } from './server';

void runSubgraph('accounts', createServer);
