import { runService } from '@lattice/platform';
import { createServer } from './server';

void runService('billing', (c) => c.BILLING_PORT, createServer);
