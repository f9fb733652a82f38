import { runService } from '@lattice/platform';
import { createServer } from './server';

void runService('monitoring', (c) => c.MONITORING_PORT, createServer);
