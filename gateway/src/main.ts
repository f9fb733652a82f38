import { runService } from '@lattice/platform/core';
import { createGateway } from './gateway';

void runService('gateway', (c) => c.GATEWAY_PORT, createGateway, ['Redis']);
