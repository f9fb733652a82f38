import { runService } from '@lattice/platform';
import { createServer } from './server';

void runService('ai-platform', (c) => c.AI_PLATFORM_PORT, createServer);
