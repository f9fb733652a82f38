import { runService } from '@lattice/platform';
import { createServer } from './server';

void runService('accounts', (c) => c.ACCOUNTS_PORT, createServer);
