import { runService } from '@lattice/platform';
import { createGateway } from './gateway';

void runService('gateway', (c) => c.GATEWAY_PORT, createGateway);
